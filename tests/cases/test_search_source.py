"""Closed cases enter the staff case library search, de-identified and scoped."""

import pytest
from django.urls import reverse

from cases import services
from search.sources import get_source


@pytest.fixture
def closed_case(dispatched_case, triage_user, engine, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.case_message_reporter(case=dispatched_case, author=triage_user,
                                       text="张某某您好，请致电13800001234的经办人")
        services.case_close(case=dispatched_case, author=triage_user, outcome="done",
                            resolution_summary="协调前租户完成简易注销，张某某已领取营业执照")
    return dispatched_case


def api(client, q="简易注销"):
    return client.get(reverse("search:api"), {"q": q, "type": "case"})


def test_open_case_not_in_library(dispatched_case, engine):
    assert get_source("case").document_for(dispatched_case) is None


def test_document_is_deidentified(closed_case):
    doc = get_source("case").document_for(closed_case)
    text = " ".join([doc.title, doc.summary, doc.body])
    assert "张某某" not in text and "13800001234" not in text
    assert closed_case.reporter_id_number not in text
    assert "简易注销" in text and doc.visibility == "staff"


def test_staff_in_scope_find_it_others_do_not(client, closed_case, triage_user, dept_user, housing_user,
                                              qingpu_triage_user, supervisor):
    for user, expected in [(triage_user, True), (dept_user, True), (supervisor, True),
                           (housing_user, False), (qingpu_triage_user, False)]:
        client.force_login(user)
        response = api(client)
        found = any(r["external_id"] == closed_case.tracking_number for r in response.json().get("results", []))
        assert found is expected, user.username
    client.logout()
    response = api(client)
    assert closed_case.tracking_number not in response.content.decode()
    public = client.get(reverse("search:api"), {"q": "简易注销"})
    assert closed_case.tracking_number not in public.content.decode()


def test_filing_a_case_keeps_public_pages_in_the_page_cache(client, window_user, hall, engine,
                                                            django_capture_on_commit_callbacks):
    """A new case is indexed (as "not in the library yet"): nothing public changed, so the
    guidance readers were served from the cache stays there. Before, every report filed
    emptied the public page cache."""
    from wagtail.models import Page

    from tests.cases.conftest import register

    home = Page.objects.get(depth=2)
    assert client.get(home.url)["X-Cache"] == "MISS"
    with django_capture_on_commit_callbacks(execute=True):
        register(window_user, hall)

    assert client.get(home.url)["X-Cache"] == "HIT"


@pytest.mark.parametrize("piece, matter", [
    # The first 30 characters were the title before de-identification: a value cut in two
    # there matched nothing, and its first half stayed (a shop's name, a phone's first digits).
    ("曲阳路生", "前租户一直没有注销，新商户的营业执照办不下来，曲阳路生煎小吃店着急开业"),
    ("138000", "前租户一直没有注销，新商户营业执照办不下来，电话13800001234"),
])
def test_a_title_cut_from_the_matter_keeps_no_piece_of_a_known_value(
    piece, matter, window_user, triage_user, hall, engine, django_capture_on_commit_callbacks
):
    from cases.models import Case

    from .conftest import make_credit_code, register

    assert piece in matter[:30] and piece not in matter[:30].replace(piece, "")
    case = register(window_user, hall, reporter_type=Case.ReporterType.ENTERPRISE, enterprise_name="曲阳路生煎小吃店",
                    credit_code=make_credit_code("92310109MA1G5B3C6"), reporter_phone="13800001234", matter=matter)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_close(case=case, author=triage_user, outcome="done", resolution_summary="已协调办成")
    doc = get_source("case").document_for(case)
    assert doc.title.startswith(case.tracking_number + " 前租户")
    assert piece not in doc.title
