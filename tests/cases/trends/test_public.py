"""数据公开: monthly aggregates with small cells suppressed and nothing personal."""

import datetime

from django.utils import timezone

from cases.models import Case, CaseArticleLink
from cases.trends.public import public_tables

from .conftest import make_case


def month_ago(months: int, day: int = 10) -> str:
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first.replace(day=day).isoformat()


def test_public_page_suppresses_small_cells_and_leaks_nothing(client, window_user, hall, db):
    # Last month: 4 received, 3 solved (rated 5, 5, 2); two months ago: 2 received (a small cell).
    last, before = month_ago(1), month_ago(2)
    closed_day = month_ago(1, 20)
    names = ["王小明", "李四", "赵五", "钱六"]
    for i, rating in enumerate([5, 5, 2]):
        make_case(window_user, hall, created=last, closed=closed_day, outcome="done", rating=rating,
                  reporter_name=names[i], reporter_phone=f"1380000{i:04d}", matter=f"秘密事项{i}")
    make_case(window_user, hall, created=last, reporter_name=names[3], matter="秘密事项3")
    for i in range(2):
        make_case(window_user, hall, created=before, reporter_name="孙七", matter="秘密事项X")

    response = client.get("/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    tables = {t.key: t for t in response.context["tables"]}
    received = {row[0]: row[1:] for row in tables["cases"].rows}
    assert received[last[:7]] == [4, 3]
    assert received[before[:7]] == [None, 0]  # 2 received: shown as "不足 3 件"
    assert "不足 3 件" in html
    satisfaction = {row[0]: row[1] for row in tables["satisfaction"].rows}
    assert satisfaction[last[:7]] == 66.7 and satisfaction[before[:7]] is None
    # No personal data, case text or tracking number anywhere on the page.
    for secret in [*names, "孙七", "秘密事项", "13800000", *Case.objects.values_list("tracking_number", flat=True)]:
        assert secret not in html
    # Every shown count is 0 or at least 3, in the tables and in the chart data.
    for t in tables.values():
        for row in t.rows:
            for cell in row[1:]:
                assert cell is None or cell == 0 or cell >= 3 or t.key in ("days", "satisfaction")
        for dataset in t.chart["datasets"]:
            assert all(v is None or v == 0 or v >= 3 or t.key in ("days", "satisfaction") for v in dataset["data"])


def test_mean_working_days_and_guides_from_cases(window_user, hall, db):
    from wagtail.models import Page

    from tests.search.experience_helpers import make_article, make_topic

    today = datetime.date(2026, 11, 15)
    cases = [make_case(window_user, hall, created=created, closed=closed, outcome="done")
             for created, closed in [("2026-09-30", "2026-10-09"), ("2026-10-12", "2026-10-13"),
                                     ("2026-10-05", "2026-10-31")]]
    tables = {t.key: t for t in public_tables(today)}
    days = {row[0]: row[1] for row in tables["days"].rows}
    assert days["2026-10"] == 7.0  # (2 + 1 + 18) / 3 working days, 国庆 off
    assert days["2026-09"] is None and len(tables["days"].rows) == 12

    topic = make_topic("企业开办与注销", slug="stats-topic")
    for i in range(4):
        page = make_article(topic, f"由反映沉淀的指引{i}", slug=f"from-case-{i}")
        Page.objects.filter(pk=page.pk).update(
            first_published_at=timezone.make_aware(datetime.datetime(2026, 10 if i < 3 else 9, 20, 10)))
        for case in cases:  # one guide drafted from several cases still counts once
            CaseArticleLink.objects.create(case=case, page=page, relation=CaseArticleLink.Relation.DRAFTED_FROM)
    guides = {row[0]: row[1] for row in {t.key: t for t in public_tables(today)}["guides"].rows}
    assert guides["2026-10"] == 3 and guides["2026-09"] is None  # one guide: suppressed
