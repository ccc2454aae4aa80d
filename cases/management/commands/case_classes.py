"""Print the recurring classes (一类事) of recent cases: ``python manage.py case_classes``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from cases.class_report import recurring_classes_for
from cases.clustering import class_threshold


class Command(BaseCommand):
    help = "列出近期案件中反复出现的一类事（聚类结果、趋势、涉及区和部门、已有指引）。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="也列出未达到阈值的小类")

    def handle(self, *args, all: bool, **options):
        # A management command runs with full access, like the 督办 role.
        reader = get_user_model()(is_superuser=True, is_active=True)
        threshold = class_threshold()
        rows = recurring_classes_for(user=reader, include_small=all)
        self.stdout.write(f"阈值：{threshold['days']} 天内不少于 {threshold['min_cases']} 件；共 {len(rows)} 类")
        for row in rows:
            c = row.case_class
            trend = {"up": "上升", "down": "下降", "flat": "持平"}[c.trend.direction]
            mark = "★" if c.above_threshold else " "
            self.stdout.write(
                f"{mark} {c.label}｜{c.size} 件｜近30天 {c.trend.last} / 前30天 {c.trend.previous}（{trend}）"
            )
            self.stdout.write("    区：" + "、".join(f"{n}({k})" for n, k in c.districts))
            self.stdout.write("    部门：" + ("、".join(f"{n}({k})" for n, k in c.departments) or "—"))
            self.stdout.write("    案件：" + "、".join(row.tracking_numbers))
            covered = "、".join(a.title for a in row.covering_articles) or "尚无指引（建议起草）"
            self.stdout.write(f"    已有指引：{covered}")
