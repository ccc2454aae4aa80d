"""Anonymous search logging stays bounded: a per-client quota on writes, and old rows pruned."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from search import analytics
from search.models import QueryClick, QueryLog

pytestmark = pytest.mark.django_db


def _aged(model, days, **fields):
    row = model.objects.create(**fields)
    model.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))
    return row


def _prune(**options) -> str:
    out = io.StringIO()
    call_command("prune_search_logs", stdout=out, **options)
    return out.getvalue()


def test_prune_deletes_only_rows_past_the_retention_period(settings):
    settings.BANCHENG_SEARCH_LOG_RETENTION_DAYS = 180
    old = [_aged(QueryLog, 200, query="简易注销", result_count=3) for _ in range(3)]
    kept = _aged(QueryLog, 170, query="简易注销", result_count=3)
    old_click = _aged(QueryClick, 181, query="简易注销", doc="article:1")
    kept_click = _aged(QueryClick, 10, query="简易注销", doc="article:1")

    assert "将删除 180 天前的搜索记录 3 条、搜索点击 1 条" in _prune(dry_run=True)
    assert QueryLog.objects.count() == 4

    assert "已删除 180 天前的搜索记录 3 条、搜索点击 1 条" in _prune()
    assert list(QueryLog.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(QueryClick.objects.values_list("pk", flat=True)) == [kept_click.pk]
    assert not QueryLog.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert not QueryClick.objects.filter(pk=old_click.pk).exists()

    assert "搜索记录 1 条" in _prune(days=30, dry_run=True)  # --days overrides the setting


def test_prune_works_in_batches():
    for _ in range(7):
        _aged(QueryLog, 400, query="营业执照", result_count=1)
    assert analytics.prune_logs(older_than_days=180, batch_size=3) == {"querylog": 7, "queryclick": 0}
    assert not QueryLog.objects.exists()


def test_one_client_cannot_flood_the_log(settings):
    settings.BANCHENG_SEARCH_LOG_RATE_LIMIT = (5, 60)
    for i in range(12):
        analytics.log_search(query=f"查询{i}", result_count=1, role="anonymous", client="10.0.0.9")
    analytics.log_search(query="另一位读者", result_count=1, role="anonymous", client="10.0.0.10")
    assert QueryLog.objects.count() == 6
