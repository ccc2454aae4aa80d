from django.core.management.base import BaseCommand

from cases import selectors, services


class Command(BaseCommand):
    help = (
        "删除保存期限已满（归档后 BANCHENG_PERSONAL_DATA_RETENTION_DAYS 天）的案件中的反映人个人信息。"
        "每天运行一次，例如由 cron 调用。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计到期案件数，不删除")

    def handle(self, *args, dry_run=False, **options):
        due = selectors.cases_due_for_personal_data_erasure()
        days = selectors.personal_data_retention_days()
        if dry_run:
            self.stdout.write(f"到期案件（归档后保存 {days} 天）：{due.count()} 件")
            return
        erased = 0
        for case in due.iterator():
            services.case_personal_data_erase(case=case, author=None)
            erased += 1
        self.stdout.write(f"已删除个人信息：{erased} 件（归档后保存 {days} 天）")
