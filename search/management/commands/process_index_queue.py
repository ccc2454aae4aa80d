"""Replay index operations queued while the search engine was unreachable."""

from django.core.management.base import BaseCommand

from search import indexing
from search.engines import get_engine


class Command(BaseCommand):
    help = "处理检索引擎不可用时暂存的索引操作。"

    def handle(self, *args, **options):
        engine = get_engine()
        total = 0
        while True:
            done, left = indexing.process_pending(engine=engine)
            total += done
            if not done or not left:
                break
        self.stdout.write(f"已处理 {total} 项，剩余 {left} 项")
        if left:
            self.stderr.write("检索引擎仍不可用，剩余操作将在下次重试。")
