"""The search tables of 统计分析 by hand: searches, zero results, top and zero-result queries
and their clicks, counted from searches logged today."""

import datetime

from django.utils import timezone

from cases.trends.selectors import TrendFilter, search_tables
from search import analytics
from search.models import QueryClick


def test_search_figures_of_this_month(supervisor):
    for query, results in (("营业执照", 3), ("营业执照", 0), ("营业执照", 5), ("简易注销", 0), ("简易注销", 0),
                           ("社保转移", 1)):
        analytics.log_search(query=query, result_count=results, role="anonymous")
    QueryClick.objects.create(query="营业执照", doc="article:1")
    today = timezone.localdate()
    f = TrendFilter(date_from=today.replace(day=1) - datetime.timedelta(days=1), date_to=today)
    tables = {t.key: t for t in search_tables(supervisor, f)}
    assert [r[1:] for r in tables["searches"].rows] == [[0, 0, None, 0, None], [6, 3, 50.0, 1, 16.7]]
    assert tables["top_queries"].rows == [["营业执照", 3, 1, 1, 33.3], ["简易注销", 2, 2, 0, 0.0],
                                          ["社保转移", 1, 0, 0, 0.0]]
    assert tables["zero_queries"].rows == [["简易注销", 2, 2, 0, 0.0], ["营业执照", 1, 1, 1, 100.0]]
