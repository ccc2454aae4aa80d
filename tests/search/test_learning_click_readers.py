"""Click spam against the learned ranking: clicks are counted per reader, not per request.

Every click here goes through the live click redirect (``/search/click/``), as a script would
send it; what the learned ranking may learn is read the way training reads it
(``signals.collect`` → ``Memory.build`` / ``services._positives_by_query``).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from search import analytics
from search.learning import services, signals
from search.learning.memory import Memory
from search.models import QueryClick

pytestmark = pytest.mark.django_db

TARGET = "article:7"
HONEST = "article:8"


@pytest.fixture(autouse=True)
def _generous_click_limit(settings):
    # The per-address rate limit alone would stop a script at 60 clicks per 10 minutes; the
    # counting below must hold whatever that limit is set to.
    settings.BANCHENG_CLICK_RATE_LIMIT = (100000, 600)


def _click(client, q: str, doc: str = TARGET, **headers):
    response = client.get("/search/click/", {"q": q, "doc": doc, "pos": "3", "to": "/"}, **headers)
    assert response.status_code == 302


def _learned() -> tuple[Memory, dict[str, set[str]]]:
    sigs = signals.collect(signals.PUBLIC)
    return Memory.build(sigs), services._positives_by_query(sigs)


def _positives(memory: Memory, doc: str = TARGET) -> float:
    found = memory.get(doc)
    return found.positives if found else 0.0


def test_one_clients_hundred_clicks_weigh_as_one_reader(client):
    for _ in range(100):
        _click(client, "营业执照怎么办", REMOTE_ADDR="203.0.113.5")
    assert QueryClick.objects.count() == 100  # every click is still logged for 热门搜索
    memory, by_query = _learned()
    assert _positives(memory) == 1.0
    assert memory.get(TARGET).weight_of("营业执照怎么办") == 1.0
    assert by_query == {"营业执照怎么办": {TARGET}}


def test_distinct_readers_still_teach_one_each(client):
    for n in range(1, 6):
        _click(client, "营业执照怎么办", REMOTE_ADDR=f"203.0.113.{n}")
        _click(client, "营业执照怎么办", REMOTE_ADDR=f"203.0.113.{n}")  # a reader who came back
    memory, by_query = _learned()
    assert _positives(memory) == 5.0
    assert by_query == {"营业执照怎么办": {TARGET}}


def test_a_bot_like_client_teaches_nothing_that_day(client, settings):
    settings.BANCHENG_SEARCH_LEARNING = {**settings.BANCHENG_SEARCH_LEARNING, "CLIENT_BOT_CLICKS": 20}
    for i in range(21):
        _click(client, f"第{i}个问题怎么办", REMOTE_ADDR="198.51.100.9")
    _click(client, "营业执照怎么办", HONEST, REMOTE_ADDR="203.0.113.1")
    memory, by_query = _learned()
    assert _positives(memory) == 0.0
    assert by_query == {"营业执照怎么办": {HONEST}}  # the honest reader beside it still counts


def test_one_client_teaches_at_most_its_first_queries_of_the_day(client, settings):
    cap = int(settings.BANCHENG_SEARCH_LEARNING.get("CLIENT_QUERIES", 10))
    for i in range(cap + 5):
        _click(client, f"营业执照第{i}种问法", REMOTE_ADDR="198.51.100.7")
    memory, by_query = _learned()
    assert len(by_query) == cap
    # And the result's own click count gets one reader, shared among those queries.
    assert _positives(memory) == pytest.approx(1.0)


def test_spelling_variants_of_one_query_are_one_query(client):
    variants = ["营业执照怎么办", "營業執照怎麼辦", "营业执照　怎么办", "营业执照 怎么办？", "  营业执照怎么办!!"]
    for q in variants:
        for _ in range(3):
            _click(client, q, REMOTE_ADDR="198.51.100.8")
    memory, by_query = _learned()
    assert len(by_query) == 1 and _positives(memory) == 1.0


def test_forged_proxy_headers_do_not_make_more_readers(client, settings):
    for n in range(10):
        _click(
            client, "营业执照怎么办", REMOTE_ADDR="198.51.100.10",
            HTTP_X_FORWARDED_FOR=f"10.1.0.{n}", HTTP_X_REAL_IP=f"10.2.0.{n}", HTTP_FORWARDED=f"for=10.3.0.{n}",
        )
    assert _positives(_learned()[0]) == 1.0
    # Behind a proxy that appends the address it saw: entries the client put before it are ignored.
    settings.BANCHENG_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for n in range(10):
        _click(client, "营业执照怎么办", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"10.1.0.{n}, 203.0.113.77")
    assert _positives(_learned()[0]) == 2.0


def test_a_click_without_an_address_is_still_one_reader(client):
    """A server that passes no peer address (REMOTE_ADDR "") must not turn live clicks into
    markerless ones, which count one each like a replay."""
    for _ in range(50):
        _click(client, "营业执照怎么办", REMOTE_ADDR="")
    assert not QueryClick.objects.filter(client="").exists()
    assert _positives(_learned()[0]) == 1.0


def test_colleagues_behind_one_office_address_are_several_readers(client):
    users = [get_user_model().objects.create_user(f"clerk{i}", f"c{i}@example.invalid", "x") for i in range(3)]
    for user in users:
        client.force_login(user)
        for _ in range(4):
            _click(client, "营业执照怎么办", REMOTE_ADDR="10.20.0.1")
    memory = Memory.build(signals.collect(signals.STAFF))
    assert _positives(memory) == 3.0
    assert _positives(_learned()[0]) == 0.0  # staff clicks never teach the public model


def test_a_clerk_searching_precedents_all_day_is_not_capped(client, settings):
    cap = int(settings.BANCHENG_SEARCH_LEARNING.get("CLIENT_QUERIES", 10))
    client.force_login(get_user_model().objects.create_user("clerk", "c@example.invalid", "x"))
    for i in range(cap + 5):
        _click(client, f"营业执照第{i}种情形", REMOTE_ADDR="10.20.0.1")
        _click(client, f"营业执照第{i}种情形", REMOTE_ADDR="10.20.0.1")
    by_query = services._positives_by_query(signals.collect(signals.STAFF))
    assert len(by_query) == cap + 5


def test_replayed_clicks_count_one_each_as_before():
    """``search_replay`` logs clicks without a marker: each counts, exactly as before this rule."""
    for _ in range(3):
        analytics.record_click(query="营业执照怎么办", doc=TARGET, role=analytics.ROLE_ANONYMOUS, position=2)
    assert set(QueryClick.objects.values_list("client", flat=True)) == {""}
    memory, by_query = _learned()
    assert _positives(memory) == 3.0 and by_query == {"营业执照怎么办": {TARGET}}
    assert [s.position for s in signals.click_signals()] == [2, 2, 2]


def test_one_client_alone_cannot_switch_learning_on(client, settings):
    """Learning stays off until MIN_QUERIES distinct queries have positives: one client clicking
    from as many queries must not reach it by itself."""
    settings.BANCHENG_SEARCH_LEARNING = {**settings.BANCHENG_SEARCH_LEARNING, "MIN_QUERIES": 12}
    for i in range(30):
        _click(client, f"营业执照第{i}种问法", REMOTE_ADDR="198.51.100.11")
    result = services.train()
    assert result.status == "not_enough" and result.queries == 10


def test_the_click_through_editors_see_counts_readers_not_requests(client):
    """热门搜索's panel compares click-through before and after a model: repeated clicks of one
    client must not fake the model's effect."""
    from datetime import timedelta

    from django.utils import timezone

    from search.learning.explain import click_through

    since = timezone.now() - timedelta(minutes=1)
    for _ in range(40):
        _click(client, "营业执照怎么办", REMOTE_ADDR="198.51.100.12")
    _click(client, "营业执照怎么办", HONEST, REMOTE_ADDR="198.51.100.12")
    _click(client, "营业执照怎么办", REMOTE_ADDR="198.51.100.13")
    analytics.record_click(query="营业执照怎么办", doc=TARGET, role=analytics.ROLE_ANONYMOUS)  # replayed
    assert click_through(since=since)["clicks"] == 4


def test_rotating_ipv6_addresses_within_one_subscriber_is_one_reader(client):
    """An IPv6 host may use any address of its /64 (privacy extensions rotate them)."""
    for n in range(20):
        _click(client, "营业执照怎么办", REMOTE_ADDR=f"2001:db8:5:7:{n:x}::{n + 1:x}")
    assert _positives(_learned()[0]) == 1.0
    _click(client, "营业执照怎么办", REMOTE_ADDR="2001:db8:5:8::1")  # another subscriber
    assert _positives(_learned()[0]) == 2.0
