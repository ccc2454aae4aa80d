"""Deflection: guides opened from 提交前看看, and whether the same session reported anyway."""

import datetime

from django.urls import reverse
from django.utils import timezone

from cases.models import GuideVisit
from cases.trends.selectors import TrendFilter, knowledge_tables
from search.models import QueryClick
from tests.cases.test_public import report_data
from tests.search.experience_helpers import make_article, make_topic


def test_guide_visits_then_a_report_marks_them_reported(client, db, supervisor, hongkou):
    page = make_article(make_topic("企业开办与注销", slug="deflect-topic"), "前租户未注销怎么办", slug="deflect")
    url = reverse("cases_public:guide_open", args=[page.pk])
    assert client.get(url).url == page.url
    other = client.__class__()
    assert other.get(url).url == page.url  # another reader, who does not report
    assert GuideVisit.objects.filter(reported=False).count() == 2
    assert client.get(reverse("cases_public:guide_open", args=[999999])).status_code == 404

    # The first reader reports after all: their visit did not deflect anything.
    assert client.post(reverse("cases_public:report"), report_data(hongkou)).status_code == 302
    assert GuideVisit.objects.filter(reported=True).count() == 1

    today = datetime.date.today()
    f = TrendFilter(date_from=today - datetime.timedelta(days=1), date_to=today)
    table = {t.key: t for t in knowledge_tables(supervisor, f)}["deflection"]
    totals = [sum(r[i] for r in table.rows) for i in (1, 2, 3)]
    assert totals == [2, 1, 1]  # opened, reported anyway, deflected


def test_a_report_marks_the_same_readers_guide_clicks_from_search(client, db, supervisor, dept_user, hongkou):
    page = make_article(make_topic("企业开办与注销", slug="search-deflect-topic"), "前租户未注销怎么办",
                        slug="search-deflect")
    click = {"q": "前租户未注销", "doc": f"article:{page.pk}", "to": page.url}
    reporter, reader = client.__class__(REMOTE_ADDR="10.0.0.1"), client.__class__(REMOTE_ADDR="10.0.0.2")
    for c in (reporter, reporter, reader):
        assert c.get("/search/click/", click).status_code == 302
    reader.get("/search/click/", {**click, "doc": "policy:1"})  # a policy is not a guide
    assert reporter.post(reverse("cases_public:report"), report_data(hongkou)).status_code == 302
    assert sorted(QueryClick.objects.values_list("reported", flat=True)) == [False, False, True, True]

    today = timezone.localdate()
    f = TrendFilter(date_from=today, date_to=today)
    table = {t.key: t for t in knowledge_tables(supervisor, f)}["search_deflection"]
    assert table.rows[-1][1:] == [2, 1, 1, 50.0]  # readers, reported anyway, deflected, share
    assert "search_deflection" not in {t.key for t in knowledge_tables(dept_user, f)}  # city-wide figure


def click_at(when: datetime.datetime, client: str, *, doc="article:1", reported=False, role="anonymous"):
    c = QueryClick.objects.create(query="简易注销", doc=doc, client=client, reported=reported, role=role)
    QueryClick.objects.filter(pk=c.pk).update(created_at=when)


def test_search_deflection_per_month_counted_by_hand(db, supervisor):
    local = timezone.get_current_timezone()

    def at(day, hour, minute=0):
        return datetime.datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}").replace(tzinfo=local)

    # 30 September (local): a reports after two guide clicks (one made after the report);
    # b opens a guide and does not report. 23:30 local is 15:30 UTC: still September.
    click_at(at("2026-09-30", 9), "a-0930", reported=True)
    click_at(at("2026-09-30", 23, 30), "a-0930", doc="guide:2")
    click_at(at("2026-09-30", 12), "b-0930")
    # 1 October (a 国庆 holiday; 00:10 local is still 30 September in UTC): a's new daily
    # marker reports, c, f and g do not; d opened only a policy, one click has no marker,
    # one is staff: none of those three is a reader deflected from reporting.
    click_at(at("2026-10-01", 0, 10), "a-1001", reported=True)
    for reader in ("c-1001", "f-1001", "g-1001"):
        click_at(at("2026-10-01", 15), reader)
    click_at(at("2026-10-01", 15), "d-1001", doc="policy:3")
    click_at(at("2026-10-01", 15), "")
    click_at(at("2026-10-01", 15), "e-1001", role="staff")

    f = TrendFilter(date_from=datetime.date(2026, 8, 1), date_to=datetime.date(2026, 10, 31))
    table = {t.key: t for t in knowledge_tables(supervisor, f)}["search_deflection"]
    assert table.rows == [
        ["2026-08", 0, 0, 0, None],  # an empty month is a row of zeros
        ["2026-09", 2, 1, 1, 50.0],
        ["2026-10", 4, 1, 3, 75.0],
    ]
    assert table.chart["datasets"][0]["data"] == [0, 1, 3] and "次日即变" in table.note


def test_a_guide_opened_from_another_sites_page_deflects_nothing(client, db):
    # A page elsewhere linking (or embedding) the 提交前看看 address would make each of its visitors
    # a "reader who read a guide and did not report" in the deflection figure.
    page = make_article(make_topic("企业开办与注销", slug="deflect-topic-x"), "前租户未注销怎么办", slug="deflect-x")
    url = reverse("cases_public:guide_open", args=[page.pk])
    assert client.get(url, HTTP_SEC_FETCH_SITE="cross-site").url == page.url  # the reader still gets there
    assert client.get(url, HTTP_REFERER="https://evil.example/").url == page.url
    assert not GuideVisit.objects.exists()
    assert client.get(url, HTTP_SEC_FETCH_SITE="same-origin").url == page.url
    assert GuideVisit.objects.count() == 1
