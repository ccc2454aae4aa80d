from django.core.management.base import BaseCommand

from cases.trends import facts


class Command(BaseCommand):
    help = "重建统计分析的汇总表（每件案件、每条分办各一行）：批量导入案件或更改时区之后运行。"

    def handle(self, *args, **options):
        n = facts.rebuild()
        self.stdout.write(f"已重建统计汇总：{n} 件案件及其分办。")
