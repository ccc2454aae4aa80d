"""Scheduled daily: ``python manage.py apply_policy_changes``.

On a registered change's effective date the old policy becomes 已被替代 (not when the
change is registered: until that day it is still the rule readers must follow).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from knowledge.services import policy_changes_apply_due


class Command(BaseCommand):
    help = "到了新政策施行日期，把被替代的原政策标为“已被替代”（每日运行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="按哪一天运行（年-月-日，默认今天）；补跑漏掉的日期时使用"
        )

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError("日期格式不正确，请按“年-月-日”填写，例如 2026-12-05。")
        applied = policy_changes_apply_due(today=today)
        for change in applied:
            self.stdout.write(
                f"《{change.old_policy.title}》自 {change.effective_date.isoformat()} 起已被"
                f"《{change.new_policy.title}》替代"
            )
        self.stdout.write(f"共处理 {len(applied)} 项政策变化。")
