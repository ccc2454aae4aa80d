"""Long reads reach learning: a read result weighs more than a result only clicked, in the
audience of its click, and 热门搜索 counts them beside the clicks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from search import analytics
from search.learning import explain, services, signals
from search.learning.memory import Memory
from search.models import QueryClick

pytestmark = pytest.mark.django_db

READER = "198.51.100.7"


def click(q: str, doc: str, *, role: str = analytics.ROLE_ANONYMOUS, client: str = READER) -> None:
    analytics.record_click(query=q, doc=doc, role=role, position=1, client=client)
    QueryClick.objects.update(created_at=timezone.now() - timedelta(minutes=5))


def test_a_read_result_weighs_more_in_memory_than_one_only_clicked():
    click("营业执照怎么办", "article:1")
    click("营业执照怎么办", "article:2")
    assert analytics.record_long_read(
        query="营业执照怎么办", doc="article:2", role=analytics.ROLE_ANONYMOUS, client=READER
    )
    public = signals.collect(signals.PUBLIC)
    assert sorted(s.kind for s in public if s.doc == "article:2") == [signals.CLICK, signals.LONG_READ]
    memory = Memory.build(public)
    only_clicked = memory.get("article:1").weight_of("营业执照怎么办")
    read = memory.get("article:2").weight_of("营业执照怎么办")
    assert read == only_clicked + signals.WEIGHTS[signals.LONG_READ] > only_clicked
    assert memory.get("article:2").positives > memory.get("article:1").positives


def test_a_read_is_a_positive_of_its_query():
    sigs = [signals.Signal(query="居住证", doc="guide:3", kind=signals.LONG_READ, audience=signals.PUBLIC)]
    assert services._positives_by_query(sigs) == {"居住证": {"guide:3"}}


def test_one_reader_reading_many_times_is_one_long_read_signal():
    for _ in range(5):
        click("营业执照怎么办", "article:2")
    for _ in range(5):
        analytics.record_long_read(query="营业执照怎么办", doc="article:2", role=analytics.ROLE_ANONYMOUS, client=READER)
    assert QueryClick.objects.filter(read_at__isnull=False).count() == 5
    assert len(list(signals.long_read_signals())) == 1
    click("营业执照怎么办", "article:2", client="203.0.113.9")
    analytics.record_long_read(query="营业执照怎么办", doc="article:2", role=analytics.ROLE_ANONYMOUS, client="203.0.113.9")
    assert len(list(signals.long_read_signals())) == 2


def test_staff_reads_never_teach_the_public_model():
    click("营业执照怎么办", "article:2", role=analytics.ROLE_STAFF)
    analytics.record_long_read(query="营业执照怎么办", doc="article:2", role=analytics.ROLE_STAFF, client=READER)
    assert [s.kind for s in signals.collect(signals.STAFF)] == [signals.CLICK, signals.LONG_READ]
    assert signals.collect(signals.PUBLIC) == []


def test_top_searches_click_through_counts_reads():
    since = timezone.now() - timedelta(hours=1)
    analytics.log_search(query="营业执照怎么办", result_count=3, role=analytics.ROLE_ANONYMOUS)
    click("营业执照怎么办", "article:1")
    click("营业执照怎么办", "article:2")
    analytics.record_long_read(query="营业执照怎么办", doc="article:2", role=analytics.ROLE_ANONYMOUS, client=READER)
    assert explain.click_through(since=since) == {"searches": 1, "clicks": 2, "rate": 2.0, "reads": 1}


def test_a_bot_like_client_teaches_nothing_by_reading_either(settings):
    settings.BANCHENG_SEARCH_LEARNING = {**settings.BANCHENG_SEARCH_LEARNING, "CLIENT_BOT_CLICKS": 3}
    for i in range(4):
        click(f"营业执照{i}", "article:2")
        analytics.record_long_read(query=f"营业执照{i}", doc="article:2", role=analytics.ROLE_ANONYMOUS, client=READER)
    assert QueryClick.objects.filter(read_at__isnull=False).count() == 4
    assert list(signals.long_read_signals()) == []
