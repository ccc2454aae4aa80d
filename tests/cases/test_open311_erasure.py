"""What an integrating system sends about a reporter (address, coordinates, e-mail, photo link)
is personal data like the name and phone: masked for roles without personal-data rights, and
erased with the rest when the retention period ends — from the case, its notes, its status
pushes and the staff search, and never written to a log."""

from __future__ import annotations

import datetime
import json
import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, TimelineEntry, WebhookDelivery
from tests.cases.open311_helpers import issue_key, make_system, request_params

BASE = "/open311/v2"
# No house number: the personal-data patterns alone do not recognise it as an address.
ADDRESS = "虹口区曲阳路近赤峰路口 & <绿苑> \"东门\" '北侧' ＡＢ座"
LAT, LONG = "31.2712", "121.4856"
EMAIL = "wang.xm@example.com"
MEDIA = "https://example.com/photos/wang-shop.jpg"
NAME, PHONE = "王小明", "13812345678"
VALUES = (ADDRESS, "曲阳路近赤峰路口", LAT, LONG, EMAIL, MEDIA, NAME, PHONE)


@pytest.fixture
def hotline_key(hongkou):
    system = make_system(district=hongkou, webhook_url="https://hotline.example.com/hook")
    return issue_key(system)[1]


def file_through_open311(raw_key) -> Case:
    response = Client().post(f"{BASE}/requests.json", request_params(
        raw_key, address_string=ADDRESS, lat=LAT, long=LONG, email=EMAIL, media_url=MEDIA,
        description="我家在虹口区曲阳路近赤峰路口，店铺前租户没有注销营业执照，新办执照一直办不下来"))
    assert response.status_code == 201, response.content
    return Case.objects.get(tracking_number=response.json()[0]["service_request_id"])


def archived_open311_case(raw_key, triage_user, market_dept, captured) -> Case:
    with captured(execute=True):
        case = file_through_open311(raw_key)
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=triage_user, lead_department=market_dept,
                               lead_task=f"到{ADDRESS}现场核实前租户情况")
        case.refresh_from_db()
        services.case_close(case=case, author=triage_user, outcome="done",
                            resolution_summary=f"已到{ADDRESS}核实，执照已办出")
        case.refresh_from_db()
        services.case_archive(case=case, author=triage_user)
    Case.objects.filter(pk=case.pk).update(archived_at=timezone.now() - datetime.timedelta(days=4 * 365))
    return Case.objects.get(pk=case.pk)


def everything_stored_about(case: Case) -> str:
    case.refresh_from_db()
    texts = [str(getattr(case, f.attname)) for f in Case._meta.concrete_fields]
    texts += list(case.timeline.values_list("text", flat=True))
    texts += [d.task + d.reply for d in case.dispatches.all()]
    texts += list(WebhookDelivery.objects.filter(case=case).values_list("payload", flat=True))
    return "\n".join(texts)


def staff_search(client, user, q):
    client.force_login(user)
    found = client.get(reverse("search:api"), {"q": q, "type": "case"}).content.decode()
    listing = client.get(reverse("cases:index"), {"q": q}).content.decode()
    return found + listing


def test_open311_filing_data_is_erased_everywhere_and_never_logged(
        hotline_key, triage_user, market_dept, supervisor, engine, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    case = archived_open311_case(hotline_key, triage_user, market_dept, django_capture_on_commit_callbacks)
    stored = everything_stored_about(case)
    for value in VALUES:  # the test would prove nothing if the values were never stored
        assert value in stored, value
    assert case.filing_extras == {"address": ADDRESS, "lat": LAT, "long": LONG, "email": EMAIL, "media_url": MEDIA}
    assert WebhookDelivery.objects.filter(case=case).exists()
    client = Client()
    # Staff with personal-data rights find the case by the words of its matter before and after.
    assert case.tracking_number in staff_search(client, supervisor, "营业执照")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_expired_personal_data", stdout=open("/dev/null", "w"))

    stored = everything_stored_about(case)
    for value in VALUES:
        assert value not in stored, value
    assert case.filing_extras == {} and case.personal_data_erased_at is not None
    note = case.timeline.filter(kind=TimelineEntry.Kind.INTERNAL_NOTE).first().text
    assert note.startswith("接口提交：12345市民服务热线") and "对方另附：（已删除）。" in note
    # What happened stays readable; the push bodies stay valid JSON.
    assert "执照已办出" in case.resolution_summary and "前租户" in case.dispatches.get().task
    for payload in WebhookDelivery.objects.filter(case=case).values_list("payload", flat=True):
        json.loads(payload)
    erasure = case.timeline.get(kind=TimelineEntry.Kind.ERASURE)
    assert "地址、坐标、电子邮箱、图片链接已删除" in erasure.text
    found = staff_search(client, supervisor, "曲阳路近赤峰路口") + staff_search(client, supervisor, LAT)
    assert case.tracking_number not in found
    assert case.tracking_number in staff_search(client, supervisor, "营业执照")
    # Nothing the system sent about the person reached a log, from filing to erasure.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert case.tracking_number in logged
    for value in VALUES:
        assert value not in logged, value


def test_a_case_filed_before_the_values_were_kept_loses_its_note_tail(hotline_key, triage_user, market_dept,
                                                                      django_capture_on_commit_callbacks):
    case = archived_open311_case(hotline_key, triage_user, market_dept, django_capture_on_commit_callbacks)
    Case.objects.filter(pk=case.pk).update(filing_extras={})
    services.case_personal_data_erase(case=Case.objects.get(pk=case.pk))
    note = case.timeline.filter(kind=TimelineEntry.Kind.INTERNAL_NOTE).first().text
    for value in (ADDRESS, LAT, LONG, EMAIL, MEDIA):
        assert value not in note
    assert "对方另附：（已删除）。" in note
    assert "地址、坐标" in case.timeline.get(kind=TimelineEntry.Kind.ERASURE).text


def test_roles_without_personal_data_rights_read_the_filing_values_masked(
        hotline_key, triage_user, market_dept, dept_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = file_through_open311(hotline_key)
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=triage_user, lead_department=market_dept,
                               lead_task=f"到{ADDRESS}现场核实")
    client = Client()
    client.force_login(dept_user)
    html = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert "现场核实" in html and "【地址】" in html
    for value in ("曲阳路近赤峰路口", LAT, LONG, "wang.xm@", "wang-shop.jpg"):
        assert value not in html, value
    # Their case-list search runs on the de-identified matter, so the address finds nothing.
    listing = client.get(reverse("cases:index"), {"q": "曲阳路近赤峰路口"}).content.decode()
    assert case.tracking_number not in listing


@pytest.mark.parametrize("overrides", [{"address_string": "曲" * 10_000}, {"email": "a" * 10_000 + "@example.com"}])
def test_an_overlong_filing_value_is_refused_whole_with_its_parameter_named(hotline_key, overrides, caplog):
    caplog.set_level(logging.DEBUG)
    response = Client().post(f"{BASE}/requests.json", request_params(hotline_key, **overrides))
    assert response.status_code == 400
    [name] = overrides
    assert any(e["description"].startswith(name) for e in response.json()), response.json()
    assert Case.objects.count() == 0 and TimelineEntry.objects.count() == 0
    assert "曲曲曲" not in caplog.text and "aaaa" not in caplog.text
