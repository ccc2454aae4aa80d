from django.core.management.base import BaseCommand

from cases.trends import facts
from search.analytics import rebuild_query_day_counts


class Command(BaseCommand):
    help = ("重建统计分析的汇总表（每件案件、每条分办各一行，每天每个搜索词一行）："
            "批量导入案件或搜索记录、更改时区之后运行。")

    def handle(self, *args, **options):
        n = facts.rebuild()
        days = rebuild_query_day_counts()
        self.stdout.write(f"已重建统计汇总：{n} 件案件及其分办，{days} 行每日搜索词计数。")
