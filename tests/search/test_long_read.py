"""Long reads: a result opened from a search and kept visible for the read threshold.

The beacon endpoint (/search/read/) counts a read only against the same reader's click of the same
query and page today, once per click; public pages carry the page's search key for the script,
the same for every reader. One browser test: a reader searches, opens a result and stays.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from search.learning import signals
from search.models import QueryClick

from .experience_helpers import index, make_article, make_policy, make_topic

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
READER = "198.51.100.7"


def reader(address: str = READER) -> Client:
    return Client(REMOTE_ADDR=address)


def open_result(client: Client, q: str, doc: str = "article:7") -> None:
    response = client.get("/search/click/", {"q": q, "doc": doc, "pos": "1", "to": "/"})
    assert response.status_code == 302


def waited(seconds: int = 60) -> None:
    """Every click so far happened ``seconds`` ago (the reader has been reading since)."""
    QueryClick.objects.update(created_at=timezone.now() - timedelta(seconds=seconds))


def beacon(client: Client, q: str, doc: str = "article:7", **headers):
    headers.setdefault("HTTP_ORIGIN", ORIGIN)
    return client.post("/search/read/", {"q": q, "doc": doc}, **headers)


def reads() -> int:
    return QueryClick.objects.filter(read_at__isnull=False).count()


def test_a_read_without_a_click_is_not_recorded():
    assert beacon(reader(), "简易注销").status_code == 204
    assert not QueryClick.objects.exists()


def test_a_read_after_a_click_is_recorded_once():
    client = reader()
    open_result(client, "简易注销")
    waited()
    response = beacon(client, "简易注销")
    assert response.status_code == 204
    assert "no-store" in response["Cache-Control"]
    click = QueryClick.objects.get()
    assert click.read_at is not None and click.read_at >= click.created_at
    # A reload of the page, or a replayed beacon: the one click was already read.
    assert beacon(client, "简易注销").status_code == 204
    assert reads() == 1
    # A second click on the same result is a second visit, with a read of its own.
    open_result(client, "简易注销")
    waited()
    beacon(client, "简易注销")
    beacon(client, "简易注销")
    assert reads() == 2 and QueryClick.objects.count() == 2


def test_a_beacon_sooner_than_the_threshold_did_not_wait(settings):
    settings.BANCHENG_LONG_READ_SECONDS = 30
    client = reader()
    open_result(client, "简易注销")
    waited(5)
    beacon(client, "简易注销")
    assert reads() == 0
    waited(31)
    beacon(client, "简易注销")
    assert reads() == 1


def test_only_the_same_query_page_and_reader_count():
    open_result(reader(), "简易注销")
    waited()
    beacon(reader("203.0.113.9"), "简易注销")  # another address: not their click
    beacon(reader(), "简易注销", doc="article:8")  # another page
    beacon(reader(), "住房补贴")  # another query
    assert reads() == 0
    beacon(reader(), " 简易注销 ")  # the same query as analytics keeps it
    assert reads() == 1


def test_a_click_from_yesterday_cannot_be_read_today():
    client = reader()
    open_result(client, "简易注销")
    QueryClick.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    beacon(client, "简易注销")
    assert reads() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_beacons_mark_each_click_once_and_never_fail():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    for _ in range(3):
        open_result(reader(), "简易注销")
    waited()

    def send(_i):
        try:
            return beacon(reader(), "简易注销").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(send, range(8))) == {204}
    assert reads() == 3


def test_staff_reads_are_staff_like_their_clicks():
    staff = get_user_model().objects.create_user("window-clerk", "c@example.invalid", "x", is_staff=True)
    clerk = reader()
    clerk.force_login(staff)
    open_result(clerk, "简易注销")
    waited()
    # The same address signed out cannot read the staff click as a public one.
    beacon(reader(), "简易注销")
    assert reads() == 0
    beacon(clerk, "简易注销")
    assert reads() == 1
    read = [s for s in signals.long_read_signals()]
    assert [(s.kind, s.audience) for s in read] == [(signals.LONG_READ, signals.STAFF)]
    assert not [s for s in signals.collect(signals.PUBLIC) if s.kind == signals.LONG_READ]


def test_over_the_limit_reads_are_not_counted(settings):
    settings.BANCHENG_READ_RATE_LIMIT = (2, 600)
    client = reader()
    for _ in range(3):
        open_result(client, "简易注销")
    waited()
    assert [beacon(client, "简易注销").status_code for _ in range(3)] == [204, 204, 429]
    assert reads() == 2


def test_personal_data_in_the_query_is_de_identified():
    client = reader()
    q = "注销 13812345678 张三 310101199001011234"
    open_result(client, q)
    waited()
    beacon(client, q)
    click = QueryClick.objects.get()
    assert click.read_at is not None
    assert "13812345678" not in click.query and "310101199001011234" not in click.query
    assert all("13812345678" not in s.query for s in signals.long_read_signals())


@pytest.mark.parametrize(
    "data",
    [
        {"q": "简易注销", "doc": "article:abc"},
        {"q": "简易注销", "doc": "user:1"},
        {"q": "简易注销", "doc": ""},
        {"q": "", "doc": "article:7"},
        {"q": "注" * 10_000, "doc": "article:7"},
        {"q": "\ufffd注销", "doc": "article:7"},
        {"doc": "article:7"},
    ],
)
def test_bad_input_is_a_400_never_a_500(data):
    client = reader()
    open_result(client, "简易注销")
    waited()
    response = client.post("/search/read/", data, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 400
    assert reads() == 0


def test_odd_but_harmless_queries_are_read_like_any_other():
    client = reader()
    q = "=HYPERLINK(\"x\") & < > \" ' ＡＢＣ"
    open_result(client, q)
    waited()
    assert beacon(client, q).status_code == 204
    assert reads() == 1


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.evil.example", ""])
def test_a_beacon_from_another_site_is_refused(origin):
    client = reader()
    open_result(client, "简易注销")
    waited()
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    response = client.post("/search/read/", {"q": "简易注销", "doc": "article:7"}, **headers)
    assert response.status_code == 403
    assert reads() == 0


def test_only_post():
    assert reader().get("/search/read/", {"q": "简易注销", "doc": "article:7"}).status_code == 405


def test_public_pages_carry_their_search_key_the_same_for_every_reader(client):
    topic = make_topic("企业开办与注销", slug="kaiban")
    page = make_article(topic, "企业简易注销登记办理指引", summary="简易注销。")
    policy = make_policy("关于简易注销的办法")
    html = reader().get(page.url).content.decode()
    assert f'data-search-doc="article:{page.pk}"' in html and 'data-read-seconds="30"' in html
    assert "/static/js/long_read.js" in html
    assert reader("203.0.113.9").get(page.url).content.decode() == html
    assert f'data-search-doc="policy:{policy.pk}"' in reader().get(f"/policies/{policy.pk}/").content.decode()
    # A topic page is no search result of its own: nothing to read.
    assert "data-search-doc" not in reader().get(topic.url).content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("search_engine", ["embedded"], indirect=True)
def test_a_reader_who_opens_a_result_and_stays_makes_a_long_read(live_server, browser_page, search_engine, settings):
    settings.BANCHENG_LONG_READ_SECONDS = 1
    topic = make_topic("企业开办与注销", slug="kaiban")
    page = make_article(topic, "企业简易注销登记办理指引", summary="前任租户未注销，新店无法办照时如何办理简易注销。")
    index(page)

    browser_page.goto("/search/?q=简易注销")
    browser_page.get_by_role("link", name="企业简易注销登记办理指引").click()
    browser_page.wait_for_url(f"**{page.url}")
    expect(browser_page.locator("main")).to_have_attribute("data-search-doc", f"article:{page.pk}")
    click = QueryClick.objects.get()
    assert click.read_at is None
    deadline = time.monotonic() + 15
    while click.read_at is None and time.monotonic() < deadline:
        browser_page.wait_for_timeout(200)
        click.refresh_from_db()
    assert click.read_at is not None, "the page stayed visible but no long read was recorded"
    assert (click.query, click.doc) == ("简易注销", f"article:{page.pk}")
    assert click.read_at - click.created_at >= timedelta(seconds=1)
    # Once per visit: staying longer sends nothing more.
    read_at = click.read_at
    browser_page.wait_for_timeout(1500)
    click.refresh_from_db()
    assert click.read_at == read_at
    assert browser_page.context.cookies() == []
    assert re.search(r"/search/\?q=", browser_page.evaluate("document.referrer"))


@pytest.mark.parametrize("search_engine", ["embedded"], indirect=True)
def test_a_read_of_a_result_found_for_pinyin_counts_against_the_chinese_it_spelled(search_engine):
    """The search page answered 住房补贴 for zhufangbutie and its links counted 住房补贴; the page
    opened from it sees the typed pinyin in its referrer."""
    topic = make_topic("住房保障", slug="zhufang")
    page = make_article(topic, "住房补贴跨部门联办", summary="住房补贴申请材料一次提交。")
    index(page)
    client = reader()
    html = client.get("/search/", {"q": "zhufangbutie"}).content.decode()
    href = re.search(r'href="(/search/click/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    client.get(href)
    assert QueryClick.objects.get().query == "住房补贴"
    waited()
    beacon(client, "zhufangbutie", doc=f"article:{page.pk}")
    assert reads() == 1
    # Pinyin spelling nothing the reader clicked marks nothing.
    beacon(client, "yingyezhizhao", doc=f"article:{page.pk}")
    assert reads() == 1
