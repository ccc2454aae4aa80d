"""Held-out accuracy of the triage suggestion: ``python manage.py triage_eval``."""

import json

from django.core.management.base import BaseCommand, CommandError

from cases.triage import TARGETS, cross_validate, evaluate
from cases.triage_db import MIN_DB_SAMPLES, training_samples

LABELS = {"classification": "分类", "department": "主办部门", "blocking_cause": "堵点原因"}


class Command(BaseCommand):
    help = "在留出的已研判案件上评估研判建议的准确率（分类、主办部门、堵点原因）。"

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=["auto", "db", "fixture"], default="auto")
        parser.add_argument("--min-cases", type=int, default=MIN_DB_SAMPLES)
        parser.add_argument("--analyzer", choices=["auto", "search", "char"], default="auto")
        parser.add_argument("--test-fraction", type=float, default=0.25)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--splits", type=int, default=10, help="重复随机划分的次数（取平均）")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, source, min_cases, analyzer, test_fraction, seed, splits, json: bool, **options):
        if not 0 < test_fraction < 1:
            raise CommandError("--test-fraction 应在 0 和 1 之间。")
        samples, used = training_samples(source, min_cases)
        try:
            single = evaluate(samples, test_fraction, seed, analyzer=analyzer)
            mean = cross_validate(samples, seeds=range(seed, seed + max(splits, 1)),
                                  test_fraction=test_fraction, analyzer=analyzer)
        except ValueError as exc:
            raise CommandError(f"无法评估：{exc}") from exc
        if json:
            self.stdout.write(_dumps({"source": used, "samples": len(samples), "split": single, "mean": mean}))
            return
        origin = "数据库中已研判的案件" if used == "db" else "内置样例集"
        self.stdout.write(f"样本：{len(samples)} 件（{origin}），分词：{single['analyzer']}，"
                          f"留出比例 {test_fraction:.0%}（训练 {single['n_train']} / 测试 {single['n_test']}）")
        self.stdout.write(f"{'目标':<8}{'单次划分':>10}{f'{splits} 次平均':>12}{'多数类基线':>12}")
        for target in TARGETS:
            self.stdout.write(
                f"{LABELS[target]:<8}{_pct(single['accuracy'][target]):>10}"
                f"{_pct(mean['accuracy'][target]):>12}{_pct(mean['baseline'][target]):>12}"
            )
        self.stdout.write("分类混淆（实际 → 建议：件数）：")
        for truth, row in sorted(single["confusion"].items()):
            cells = "，".join(f"{pred} {n}" for pred, n in sorted(row.items(), key=lambda kv: -kv[1]))
            self.stdout.write(f"  {truth} → {cells}")


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
