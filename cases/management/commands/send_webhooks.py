from django.core.management.base import BaseCommand

from cases.open311 import webhooks


class Command(BaseCommand):
    help = "发送到期的状态推送（对接系统的 webhook），失败的按退避时间重试。"

    def handle(self, *args, **options):
        counts = webhooks.send_due()
        self.stdout.write(
            f"状态推送：送达 {counts['delivered']} 条，待重试 {counts['retry']} 条，放弃 {counts['failed']} 条。"
        )
