"""Search analytics: what is logged (and what never is), and the admin reports."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import analytics
from search.models import QueryClick, QueryLog

from .experience_helpers import index, make_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(search_engine):
    topic = make_topic("企业开办与注销", slug="kaiban")
    page = make_article(topic, "企业简易注销登记办理指引", summary="简易注销怎么办。")
    index(page)
    return page


def test_search_log_row_holds_no_identity(client, article, django_user_model):
    client.get("/search/", {"q": "  ＡＢＣ   简易注销 "}, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="10.9.9.9")
    row = QueryLog.objects.get()
    assert row.query == "abc 简易注销"  # full-width folded, case folded, spaces collapsed
    assert row.role == "anonymous"
    assert row.result_count >= 0 and row.zero_result == (row.result_count == 0)
    # Nothing that could identify the reader is stored.
    field_names = {f.name for f in QueryLog._meta.get_fields()} | {f.name for f in QueryClick._meta.get_fields()}
    assert not field_names & {"user", "ip", "ip_address", "session", "session_key", "user_agent"}
    values = " ".join(str(v) for v in QueryLog.objects.values_list().get())
    assert "10.1.2.3" not in values and "10.9.9.9" not in values


def test_result_count_and_zero_flag(client, article):
    client.get("/search/", {"q": "简易注销"})
    client.get("/api/search/", {"q": "量子纠缠发射许可"})
    found = QueryLog.objects.get(query="简易注销")
    assert found.result_count >= 1 and found.zero_result is False
    missing = QueryLog.objects.get(query="量子纠缠发射许可")
    assert missing.result_count == 0 and missing.zero_result is True


def test_staff_searches_are_marked_staff(client, article, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="s", password="pw-123456"))
    client.get("/search/", {"q": "简易注销"})
    assert QueryLog.objects.get().role == "staff"


def test_invalid_and_empty_queries_are_not_logged(client, article):
    client.get("/search/", {"q": ""})
    client.get("/search/", {"q": "注" * 10_000})
    client.get("/search/?q=%FF%FE")
    assert not QueryLog.objects.exists()


def test_logging_a_search_is_one_insert_and_its_day_count(article):
    with CaptureQueriesContext(connection) as ctx:
        analytics.log_search(query="简易注销", result_count=3, role="anonymous")
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    # The log row, then one upsert of the day's count for 统计分析 (no read before either).
    assert len(writes) == 2 and all(w.upper().startswith("INSERT") for w in writes)
    assert "search_querydaycount" in writes[1] and "ON CONFLICT" in writes[1].upper()


def test_aggregates_count_searches_clicks_and_zero_results(client, article):
    for _ in range(3):
        client.get("/search/", {"q": "简易注销"})
    client.get("/search/", {"q": "量子纠缠发射许可"})
    client.get("/search/", {"q": "量子纠缠发射许可"})
    client.get("/search/click/", {"q": "简易注销", "doc": f"article:{article.pk}", "to": article.url})

    top = analytics.top_queries()
    assert top[0]["query"] == "简易注销" and top[0]["searches"] == 3 and top[0]["clicks"] == 1
    assert top[0]["click_through"] == pytest.approx(0.33, abs=0.01)
    zero = analytics.zero_result_queries()
    assert [(r["query"], r["searches"]) for r in zero] == [("量子纠缠发射许可", 2)]


@pytest.fixture
def admin_client_with_logs(client, article, django_user_model):
    for _ in range(2):
        client.get("/search/", {"q": "简易注销"})
    for _ in range(4):
        client.get("/search/", {"q": "量子纠缠发射许可"})
    client.get("/search/click/", {"q": "简易注销", "doc": f"article:{article.pk}", "to": article.url})
    admin = django_user_model.objects.create_superuser(username="admin", password="pw-123456")
    client.force_login(admin)
    return client


def test_top_searches_report(admin_client_with_logs):
    response = admin_client_with_logs.get("/admin/reports/search/top/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "热门搜索" in html
    assert "简易注销" in html and "量子纠缠发射许可" in html
    assert "50%" in html  # click-through of 简易注销: 1 click / 2 searches


def test_zero_result_report_lists_only_content_gaps(admin_client_with_logs):
    html = admin_client_with_logs.get("/admin/reports/search/zero/").content.decode()
    assert "无结果搜索" in html
    assert "量子纠缠发射许可" in html
    assert "简易注销" not in html.split("无结果搜索", 1)[1]


def test_reports_export_to_csv_and_xlsx(admin_client_with_logs):
    response = admin_client_with_logs.get("/admin/reports/search/top/", {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["搜索词", "搜索次数"]
    counts = {r[0]: r[1] for r in rows[1:]}
    assert counts == {"量子纠缠发射许可": "4", "简易注销": "2"}

    xlsx = admin_client_with_logs.get("/admin/reports/search/zero/", {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert "spreadsheetml" in xlsx["Content-Type"]


def test_reports_need_the_permission(client, article, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="editor", password="pw-123456")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get("/admin/reports/search/top/")
    assert response.status_code in (302, 403)

    user.user_permissions.add(Permission.objects.get(codename="view_querylog"))
    user = django_user_model.objects.get(pk=user.pk)
    client.force_login(user)
    assert client.get("/admin/reports/search/top/").status_code == 200


def test_searches_answered_from_the_page_cache_are_logged_too(client, article):
    first = client.get("/search/", {"q": "简易注销"})
    second = client.get("/search/", {"q": "简易注销"})
    assert first["X-Cache"] == "MISS" and second["X-Cache"] == "HIT"
    assert second.content == first.content
    rows = list(QueryLog.objects.values_list("query", "result_count"))
    assert len(rows) == 2 and rows[0] == rows[1] and rows[0][1] >= 1


def test_reports_menu_offers_our_reports_not_the_empty_wagtail_one(admin_client_with_logs):
    html = admin_client_with_logs.get("/admin/").content.decode()
    assert "/admin/reports/search/top/" in html and "/admin/reports/search/zero/" in html
    assert "/admin/searchpicks/reports/search-terms/" not in html


def test_personal_data_typed_into_the_search_box_never_reaches_the_reports(client, article, django_user_model):
    client.get("/search/", {"q": "我的手机13812345678简易注销"})
    client.get("/search/", {"q": "身份证310101199001011234补办"})
    client.get("/search/click/", {"q": "联系邮箱 zhang.san@example.com 注销", "doc": f"article:{article.pk}", "pos": "1"})
    stored = " ".join(QueryLog.objects.values_list("query", flat=True)) + " ".join(
        QueryClick.objects.values_list("query", flat=True)
    )
    for secret in ("13812345678", "310101199001011234", "zhang.san"):
        assert secret not in stored
    assert "简易注销" in stored  # what the reader was looking for is still counted

    editor = django_user_model.objects.create_superuser("boss", "boss@example.invalid", "x")
    client.force_login(editor)
    response = client.get("/admin/reports/search/top/", {"export": "csv"})
    report = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "简易注销" in report and "13812345678" not in report and "310101199001011234" not in report


def test_upgrade_cleans_queries_logged_before_de_identification():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("search.migrations.0005_deidentify_logged_queries")
    QueryLog.objects.create(query="我的手机13812345678简易注销", result_count=1)
    QueryLog.objects.create(query="营业执照 2024", result_count=3)
    QueryClick.objects.create(query="身份证310101199001011234补办", doc="article:1")
    migration.deidentify_queries(apps, None)
    queries = set(QueryLog.objects.values_list("query", flat=True)) | set(QueryClick.objects.values_list("query", flat=True))
    assert "营业执照 2024" in queries
    assert not any("13812345678" in q or "310101199001011234" in q for q in queries)
    assert any(q.startswith("我的手机") and q.endswith("简易注销") for q in queries)


def test_report_csv_neutralises_formulas_typed_by_searchers(client, article, django_user_model):
    for q in ('=hyperlink("http://example.invalid","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"):
        client.get("/search/", {"q": q})
    client.force_login(django_user_model.objects.create_superuser("boss", "boss@example.invalid", "x"))
    for report in ("top", "zero"):
        body = b"".join(client.get(f"/admin/reports/search/{report}/", {"export": "csv"}).streaming_content)
        assert body.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]
        assert rows and all(r[0].startswith("'") and r[0][1] in "=+-@" for r in rows)
