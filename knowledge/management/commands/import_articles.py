"""``manage.py import_articles FILE.jsonl``: import and publish a library of articles (knowledge.importer)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from knowledge.importer import (
    MAX_LINE_BYTES,
    ArticleImporter,
    ImportReport,
    LineError,
    indexing_paused,
    parse_line,
    reindex_wagtail_search,
)
from search import indexing

logger = logging.getLogger("knowledge.importer")


class Command(BaseCommand):
    help = "从 JSON Lines 文件导入并发布办事指引（按 id 幂等：重复导入会更新而不是重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON Lines 文件，每行一个对象：id, title, body, topic?, tags?, department?")
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="导入时不逐篇更新检索索引，全部导入后统一重建一次（大批量导入更快）。",
        )
        parser.add_argument("--default-topic", default="综合指引", help="未指定 topic 时放入的主题（默认：综合指引）")

    def handle(self, *args, file, no_index, default_topic, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        importer = ArticleImporter(default_topic=default_topic)
        report = ImportReport()
        started = time.monotonic()
        touched: list[int] = []
        with indexing_paused(no_index), path.open("rb") as fh:
            for lineno, raw_bytes in enumerate(fh, start=1):
                if len(raw_bytes) > MAX_LINE_BYTES:
                    report.skipped.append((lineno, _("行过长")))
                    continue
                try:
                    raw = raw_bytes.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError:
                    report.skipped.append((lineno, _("不是有效的 UTF-8 文本")))
                    continue
                if not raw.strip():
                    continue
                try:
                    item = parse_line(raw)
                    # A page saved, then published, is indexed once (after this line commits).
                    with transaction.atomic(), indexing.batched():
                        outcome = importer.import_one(item)
                except LineError as exc:
                    report.skipped.append((lineno, str(exc)))
                    importer.forget_cached()
                    continue
                except Exception as exc:  # one bad line must not stop the import
                    logger.exception("import_articles: line %s failed", lineno)
                    report.skipped.append((lineno, _("导入失败（%(error)s）") % {"error": type(exc).__name__}))
                    importer.forget_cached()
                    continue
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome != "unchanged":
                    touched.append(importer.last_page_id)

        for lineno, message in report.skipped:
            self.stderr.write(_("第 %(line)s 行：%(message)s") % {"line": lineno, "message": message})
        if no_index and (report.created or report.updated):
            from search.indexing import rebuild

            self.stdout.write(_("正在重建检索索引……"))
            reindex_wagtail_search(touched)
            counts = rebuild()
            self.stdout.write(_("检索索引已重建：%(n)s 篇文档。") % {"n": sum(counts.values())})
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(report.summary()) + _("（用时 %(s).1f 秒）") % {"s": elapsed})
