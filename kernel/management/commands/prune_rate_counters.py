from django.core.management.base import BaseCommand

from kernel.ratelimit import prune_expired


class Command(BaseCommand):
    help = "删除已过期的访问频率计数（每天运行一次即可）。"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {prune_expired()} 条过期的访问频率计数。")
