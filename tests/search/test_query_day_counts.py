"""Searches per day and query (QueryDayCount, what 统计分析 reads) equal a direct count of the
logged searches: as searches are logged, after old logs are pruned, and after a rebuild."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from search import analytics
from search.models import QueryDayCount, QueryLog

pytestmark = pytest.mark.django_db


def direct() -> dict:
    """(local day, query) -> (searches, zero results), counted log by log."""
    out: Counter = Counter()
    zero: Counter = Counter()
    for log in QueryLog.objects.all():
        key = (timezone.localtime(log.created_at).date(), log.query)
        out[key] += 1
        zero[key] += log.zero_result
    return {key: (n, zero[key]) for key, n in out.items()}


def kept() -> dict:
    return {(r.date, r.query): (r.searches, r.zero_results) for r in QueryDayCount.objects.all()}


def log(query: str, results: int) -> None:
    analytics.log_search(query=query, result_count=results, role="anonymous")


def test_each_logged_search_is_counted_on_its_day():
    for query, results in (("营业执照", 3), ("营业执照", 0), ("ＹＹＺＺ 营业执照", 2), ("简易注销", 0), ("营业执照", 5)):
        log(query, results)
    today = timezone.localdate()
    assert kept() == direct() == {(today, "营业执照"): (3, 1), (today, "yyzz 营业执照"): (1, 0),
                                  (today, "简易注销"): (1, 1)}


def test_pruning_and_rebuilding_keep_the_counts_equal_to_the_logs():
    now = timezone.now()
    for days, query, results in ((200, "营业执照", 1), (200, "营业执照", 0), (181, "社保转移", 0), (179, "营业执照", 2),
                                 (30, "营业执照", 4), (0, "居住证", 1)):
        log(query, results)
        QueryLog.objects.filter(pk=QueryLog.objects.latest("pk").pk).update(created_at=now - timedelta(days=days))
    assert analytics.rebuild_query_day_counts() == 5  # the ages above moved the logs off today
    assert kept() == direct()
    assert analytics.prune_logs(older_than_days=180)["querylog"] == 3
    assert kept() == direct()
    assert sorted(n for n, _zero in kept().values()) == [1, 1, 1]
