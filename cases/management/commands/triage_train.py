"""Retrain the triage suggestion model: ``python manage.py triage_train``."""

from django.core.management.base import BaseCommand, CommandError

from cases.triage import train
from cases.triage_db import MIN_DB_SAMPLES, training_samples


class Command(BaseCommand):
    help = "从已研判的案件训练研判建议模型（案件不足时使用内置样例集）。"

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=["auto", "db", "fixture"], default="auto",
                            help="auto: 已研判案件不少于 --min-cases 件时用数据库，否则用样例集")
        parser.add_argument("--min-cases", type=int, default=MIN_DB_SAMPLES)
        parser.add_argument("--analyzer", choices=["auto", "search", "char"], default="auto")
        parser.add_argument("--output", default="", help="模型文件路径（默认 settings.BANCHENG_TRIAGE_MODEL_PATH）")

    def handle(self, *args, source, min_cases, analyzer, output, **options):
        samples, used = training_samples(source, min_cases)
        try:
            model = train(samples, analyzer=analyzer)
        except ValueError as exc:
            raise CommandError(f"无法训练：{exc}") from exc
        path = model.save(output or None)
        origin = "数据库中已研判的案件" if used == "db" else "内置样例集（已研判案件不足）"
        self.stdout.write(self.style.SUCCESS(
            f"已训练研判建议模型：{len(samples)} 件，来源：{origin}，分词：{model.analyzer}，保存至 {path}"
        ))
