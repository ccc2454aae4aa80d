"""``manage.py import_articles FILE.jsonl``: import a library of articles (see knowledge.importer)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.progress import Progress
from knowledge.importer import count_lines, import_file, reindex_wagtail_search, write_report


class Command(BaseCommand):
    help = "从 JSON Lines 文件导入办事指引（按 id 幂等：重复导入会更新而不是重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="JSON Lines 文件，每行一个对象：id, title, body, topic?, tags?, department?, public?"
        )
        parser.add_argument(
            "--public-source",
            action="store_true",
            help="来源是公开发布的文件：其中的机构公开联系方式确认后直接发布；其余含个人信息的导入为草稿。",
        )
        parser.add_argument(
            "--report",
            default="",
            help="草稿清单（JSON Lines）的保存路径；默认 import-report-<时间>.jsonl，仅在有草稿时写入。",
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="导入时不逐批更新检索索引，全部导入后统一重建一次。",
        )
        parser.add_argument("--default-topic", default="综合指引", help="未指定 topic 时放入的主题（默认：综合指引）")

    def handle(self, *args, file, public_source, report, no_index, default_topic, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        started = time.monotonic()
        progress = Progress(self.stdout, total=count_lines(path), label=_("导入"))
        result = import_file(
            path, default_topic=default_topic, public_source=public_source, no_index=no_index, progress=progress
        )
        progress.finish()

        for lineno, message in result.failed:
            self.stderr.write(_("第 %(line)s 行：%(message)s") % {"line": lineno, "message": message})
        for lineno, external_id in result.unindexed:
            self.stderr.write(
                _("第 %(line)s 行（%(id)s）：已上线，但未能写入检索索引，已加入重试队列。")
                % {"line": lineno, "id": external_id}
            )
        if result.drafts:
            report_path = Path(report or f"import-report-{timezone.localtime():%Y%m%d-%H%M%S}.jsonl")
            write_report(result, report_path)
            self.stdout.write(
                _("%(n)s 篇导入为草稿（含个人信息或待确认的联系方式），清单见 %(path)s。")
                % {"n": len(result.drafts), "path": report_path}
            )
        if no_index and result.touched:
            from search.indexing import rebuild

            self.stdout.write(_("正在重建检索索引……"))
            reindex_wagtail_search(result.touched)
            counts = rebuild()
            self.stdout.write(_("检索索引已重建：%(n)s 篇文档。") % {"n": sum(counts.values())})
        elapsed = time.monotonic() - started
        rate = (result.published + len(result.drafts) + len(result.unindexed)) / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            self.style.SUCCESS(result.summary())
            + _("（用时 %(s).1f 秒，每秒 %(r).1f 篇）") % {"s": elapsed, "r": rate}
        )
