"""Whose past queries autocomplete may offer to every reader (public readers' on several
addresses), and what one client can write into the search log.

Clicks go through the live click redirect, as a browser (or a script) sends them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from search.analytics import SUGGEST_MIN_CLIENTS, popular_queries_with_prefix

pytestmark = pytest.mark.django_db


def _click(client, q: str, **headers):
    assert client.get("/search/click/", {"q": q, "doc": "article:3", "to": "/"}, **headers).status_code == 302


def test_public_readers_on_several_addresses_plant_a_suggestion(client):
    for n in range(SUGGEST_MIN_CLIENTS):
        _click(client, "住房补贴申请", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert popular_queries_with_prefix("住房") == ["住房补贴申请"]


def test_one_address_with_forged_headers_plants_nothing(client):
    for n in range(10):
        _click(client, "住房补贴代办加微信", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
               HTTP_X_REAL_IP=f"10.1.0.{n}")
    assert popular_queries_with_prefix("住房") == []


def test_what_staff_search_for_is_never_offered_to_the_public(client):
    """Signed-in staff search cases; their queries (an enterprise's matter, an internal
    procedure) must not reach public autocomplete, however many colleagues clicked them."""
    for i in range(SUGGEST_MIN_CLIENTS + 2):
        client.force_login(get_user_model().objects.create_user(f"clerk{i}", f"c{i}@example.invalid", "x"))
        _click(client, "住房补贴 某某物业公司 投诉复核", REMOTE_ADDR=f"10.20.0.{i}")
    client.logout()
    assert popular_queries_with_prefix("住房") == []
    assert not any("物业公司" in s for s in client.get("/search/suggest/", {"q": "住房"}).json())


def test_searches_from_rotating_ipv6_addresses_share_one_log_quota(client, settings):
    """The search log keeps at most its quota per client: an IPv6 host rotating through its /64
    is one client."""
    from search.models import QueryLog

    settings.BANCHENG_SEARCH_LOG_RATE_LIMIT = (5, 60)
    settings.BANCHENG_SEARCH_RATE_LIMIT = (1000, 60)
    for n in range(12):
        client.get("/search/", {"q": "住房补贴代办"}, REMOTE_ADDR=f"2001:db8:9:3::{n + 1:x}")
    assert QueryLog.objects.filter(query="住房补贴代办").count() == 5


@pytest.mark.parametrize("headers", [
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_REFERER": "https://other.example.gov.cn/"},
    {"HTTP_REFERER": "https://evil.example/forum/thread-1"},  # a browser without Sec-Fetch-Site
])
def test_another_sites_page_cannot_plant_a_suggestion_through_its_visitors(client, headers):
    # <img src="…/search/click/?q=办证加微信…"> on a busy page elsewhere: every visitor's browser
    # follows it from its own address, so the reader count alone would let it through.
    from search.models import QueryClick

    for n in range(SUGGEST_MIN_CLIENTS + 2):
        _click(client, "住房补贴办证加微信", REMOTE_ADDR=f"198.51.100.{n + 20}", **headers)
    assert popular_queries_with_prefix("住房") == []
    assert not QueryClick.objects.exists()


def test_a_click_on_our_own_results_page_still_counts(client):
    for n in range(SUGGEST_MIN_CLIENTS):
        _click(client, "住房补贴申请", REMOTE_ADDR=f"198.51.100.{n + 40}", HTTP_SEC_FETCH_SITE="same-origin",
               HTTP_REFERER="http://testserver/search/?q=住房补贴申请")
    assert popular_queries_with_prefix("住房") == ["住房补贴申请"]
