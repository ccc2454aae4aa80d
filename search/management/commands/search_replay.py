"""Replay {"query", "relevant": [ids]} lines as anonymous searches and clicks, then train."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "按 JSONL 文件（每行 {\"query\": …, \"relevant\": [编号…]}）重放搜索：每行记一次公众搜索，"
        "每个相关编号记一次对该结果的点击，与线上搜索、点击走同一记录代码；随后训练排序学习模型。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL 文件路径")
        parser.add_argument("--no-train", action="store_true", help="只重放，不训练。")

    def handle(self, *args, **options):
        from search.learning import services

        try:
            fh = open(options["file"], encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc
        with fh:
            done = services.replay(fh)
        self.stdout.write(
            f"已重放 {done.queries} 次搜索、{done.clicks} 次点击；"
            f"找不到的编号 {done.unresolved} 个，无法解析的行 {done.skipped} 行。"
        )
        if not options["no_train"]:
            for result in services.train_all():
                self.stdout.write(result.message())
