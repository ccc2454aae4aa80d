"""Rebuild the whole search index from the database (idempotent; zero-downtime on Elasticsearch)."""

from django.core.management.base import BaseCommand, CommandError

from kernel.progress import Progress
from search import indexing
from search.engines import EngineUnavailable, get_engine


class Command(BaseCommand):
    help = "从数据库重建全文检索索引（可重复执行；Elasticsearch 上不中断检索）。"

    def add_arguments(self, parser):
        parser.add_argument("--engine", choices=["embedded", "elasticsearch"], help="默认使用设置中的引擎")

    def handle(self, *args, **options):
        engine = get_engine(options.get("engine"))
        progress = Progress(self.stdout, label="重建索引", unit="条")
        try:
            counts = indexing.rebuild(engine=engine, progress=progress)
        except EngineUnavailable as exc:
            raise CommandError(f"检索引擎不可用：{exc}") from exc
        progress.finish()
        total = sum(counts.values())
        detail = "，".join(f"{k} {v}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"已重建 {engine.name} 索引：共 {total} 条（{detail}）"))
