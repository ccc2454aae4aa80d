from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.analytics import prune_logs


class Command(BaseCommand):
    help = "删除超过保存期限的搜索记录和搜索点击（每天运行；期限见 BANCHENG_SEARCH_LOG_RETENTION_DAYS，默认 180 天）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="保存天数（默认取设置）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, days, dry_run, **options):
        days = days if days is not None else settings.BANCHENG_SEARCH_LOG_RETENTION_DAYS
        if days < 1:
            raise CommandError("保存天数至少为 1 天。")
        counts = prune_logs(older_than_days=days, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            f"{verb} {days} 天前的搜索记录 {counts['querylog']} 条、搜索点击 {counts['queryclick']} 条。"
        )
