"""``manage.py guard_eval [--labelled FILE]``: recall and false alarms of the personal-data publish guard."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from knowledge.guard_eval import evaluate

DEFAULT_LABELLED = Path(settings.BASE_DIR) / "tests" / "knowledge" / "data" / "public_contact_snippets.jsonl"


class Command(BaseCommand):
    help = "打印个人信息发布检查的召回率（生成的个人信息样本）与误报率（标注的公开联系方式片段）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--labelled", default="",
            help="标注片段（JSON Lines：text, value, kind, label=public|personal）；默认使用测试数据中的片段集",
        )

    def handle(self, *args, labelled, **options):
        path = Path(labelled) if labelled else (DEFAULT_LABELLED if DEFAULT_LABELLED.is_file() else None)
        if labelled and not path.is_file():
            raise CommandError(f"找不到文件：{labelled}")
        f = evaluate(path)
        self.stdout.write(
            f"生成的个人信息样本 {f.generated} 条：非案件页面上全部需处理后才能发布 "
            f"{f.generated_blocked_public}/{f.generated}（{f.recall_public_context:.1%}）；"
            f"案件起草的页面上全部按个人信息拦截、不可确认 {f.generated_blocked_case}/{f.generated}（{f.recall_case_context:.1%}）"
        )
        if path is None:
            self.stdout.write("未提供标注片段，跳过误报率。")
            return
        self.stdout.write(
            f"标注片段 {path.name}：公开联系方式 {f.labelled_public} 条，误判为个人信息 {len(f.false_alarms)} 条"
            f"（误报率 {f.false_alarm_rate:.1%}）；个人信息 {f.labelled_personal} 条，识别 {f.personal_caught} 条"
            f"（召回率 {f.personal_recall:.1%}），判为个人信息的准确率 {f.personal_precision:.1%}"
        )
        for row in f.false_alarms[:20]:
            self.stdout.write(f"  误报：{row['value']} ← {row['text']}")
        for row in f.missed_personal[:20]:
            self.stdout.write(f"  漏报：{row['value']} ← {row['text']}")
