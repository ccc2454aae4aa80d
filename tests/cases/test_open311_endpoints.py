"""Open311 GeoReport v2: every endpoint against the standard's fields and error format."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Case, TimelineEntry
from tests.cases.conftest import make_resident_id
from tests.cases.open311_helpers import REQUEST_FIELDS, SERVICE_FIELDS, issue_key, make_system, request_params

ISO_LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
BASE = "/open311/v2"


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def hotline(hongkou):
    return make_system(district=hongkou)


@pytest.fixture
def hotline_key(hotline):
    return issue_key(hotline)[1]


def _errors(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert error["code"] == status and error["description"]
    return [e["description"] for e in body]


def test_services_list_the_catalogue_and_the_general_service(client, food_item, market_dept):
    food_item.department = market_dept
    food_item.save()
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services_ = response.json()
    for service in services_:
        assert SERVICE_FIELDS <= set(service)
        assert service["type"] == "realtime" and service["metadata"] is True
    by_code = {s["service_code"]: s for s in services_}
    assert by_code[str(food_item.pk)]["service_name"] == "食品经营许可"
    assert by_code[str(food_item.pk)]["group"] == "虹口区市场监督管理局"
    assert "general" in by_code


def test_service_definition_lists_attributes_and_404s_an_unknown_code(client, food_item):
    response = client.get(f"{BASE}/services/{food_item.pk}.json")
    assert response.status_code == 200
    body = response.json()
    assert body["service_code"] == str(food_item.pk)
    codes = [a["code"] for a in body["attributes"]]
    assert "reporter_type" in codes and "id_number" in codes
    for attribute in body["attributes"]:
        assert {"variable", "code", "datatype", "required", "datatype_description", "order",
                "description"} <= set(attribute)
        # The standard: list types carry their values as key/name pairs; others carry none.
        if attribute["datatype"] in ("singlevaluelist", "multivaluelist"):
            assert attribute["values"] and all(set(v) == {"key", "name"} for v in attribute["values"])
        else:
            assert "values" not in attribute
    assert [a["order"] for a in body["attributes"]] == sorted({a["order"] for a in body["attributes"]})
    reporter_type = next(a for a in body["attributes"] if a["code"] == "reporter_type")
    assert {v["key"] for v in reporter_type["values"]} == {"person", "enterprise"}
    _errors(client.get(f"{BASE}/services/999999.json"), 404)


def test_xml_format_is_refused_with_a_clear_error(client):
    [message] = _errors(client.get(f"{BASE}/services.xml"), 400)
    assert "JSON" in message


def test_post_files_a_case_as_12345_transfer_with_its_key_recorded(client, hotline, hotline_key, food_item):
    response = client.post(f"{BASE}/requests.json",
                           request_params(hotline_key, service_code=str(food_item.pk),
                                          **{"attribute[id_number]": make_resident_id()}))
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) >= {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(tracking_number=created["service_request_id"])
    assert case.channel == Case.Channel.TRANSFER_12345
    assert case.get_channel_display() == "12345转办"
    assert case.reporter_name == "王小明" and case.service_item == food_item
    assert case.district.code == "hongkou"
    assert case.api_key.system == hotline
    audit = case.timeline.filter(kind=TimelineEntry.Kind.INTERNAL_NOTE).get()
    assert hotline.name in audit.text and case.api_key.prefix in audit.text


def test_a_system_channel_shows_the_system_name(client, hongkou):
    system = make_system("随申办", district=hongkou, kind="system")
    raw = issue_key(system)[1]
    response = client.post(f"{BASE}/requests.json", request_params(raw))
    case = Case.objects.get(tracking_number=response.json()[0]["service_request_id"])
    assert case.channel == Case.Channel.SYSTEM
    assert case.get_channel_display() == "随申办"
    assert "通过随申办受理登记" in case.timeline.get(kind=TimelineEntry.Kind.REGISTERED).text


def test_post_accepts_json_and_an_idempotency_key(client, hotline_key):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-1"}
    first = client.post(f"{BASE}/requests.json", request_params(hotline_key), content_type="application/json",
                        **headers)
    again = client.post(f"{BASE}/requests.json", request_params(hotline_key), content_type="application/json",
                        **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Case.objects.count() == 1


def test_post_errors(client, hotline_key):
    assert "service_code" in _errors(
        client.post(f"{BASE}/requests.json", request_params(hotline_key, service_code="")), 400)[0]
    _errors(client.post(f"{BASE}/requests.json", request_params(hotline_key, service_code="nope")), 400)
    _errors(client.post(f"{BASE}/requests.json", request_params("")), 403)
    _errors(client.post(f"{BASE}/requests.json", request_params("bc_wrong")), 403)
    messages = _errors(client.post(f"{BASE}/requests.json",
                                   request_params(hotline_key, phone="12", description="")), 400)
    assert any(m.startswith("phone") for m in messages) and any(m.startswith("description") for m in messages)
    _errors(client.post(f"{BASE}/requests.json", request_params(hotline_key, jurisdiction_id="atlantis")), 400)
    _errors(client.post(f"{BASE}/requests.json", "{not json", content_type="application/json"), 400)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("text", ["& < > \" '", "ＡＢＣ　全角文字１２３", "=HYPERLINK(\"http://x\")", "办" * 10_000])
def test_hostile_text_is_kept_or_refused_cleanly(client, hotline_key, text):
    response = client.post(f"{BASE}/requests.json", request_params(hotline_key, description="事项：" + text))
    if len(text) > 2000:
        [message] = _errors(response, 400)
        assert "2000" in message
        assert Case.objects.count() == 0
    else:
        assert response.status_code == 201
        case = Case.objects.get()
        assert case.matter == "事项：" + text  # stored as typed


def _closed_case(key_raw, client, dept_user, triage_user, market_dept, summary):
    response = client.post(f"{BASE}/requests.json", request_params(key_raw))
    case = Case.objects.get(tracking_number=response.json()[0]["service_request_id"])
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage_user, lead_department=market_dept, lead_task="核实")
    case.refresh_from_db()
    return case


def test_request_detail_maps_state_department_and_deadline(client, hotline_key, triage_user, market_dept,
                                                          dept_user):
    case = _closed_case(hotline_key, client, dept_user, triage_user, market_dept, "")
    response = client.get(f"{BASE}/requests/{case.tracking_number}.json")
    assert response.status_code == 200
    [item] = response.json()
    assert REQUEST_FIELDS <= set(item)
    assert item["status"] == "open"
    assert item["agency_responsible"] == "虹口区市场监督管理局"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_LOCAL.match(item[field]), item[field]
    assert item["expected_datetime"] == f"{case.deadline.isoformat()}T23:59:59+08:00"
    assert case.deadline.strftime("%Y年") in item["service_notice"]
    _errors(client.get(f"{BASE}/requests/BCS-1999-000000.json"), 404)


def test_closed_case_summary_goes_only_to_the_filing_system_and_de_identified(
        client, hotline_key, triage_user, market_dept, dept_user, hongkou):
    case = _closed_case(hotline_key, client, dept_user, triage_user, market_dept, "")
    services.case_close(case=case, author=triage_user, outcome="done",
                        resolution_summary="已联系王小明，电话13812345678，执照已办出。")
    url = f"{BASE}/requests/{case.tracking_number}.json"
    public = client.get(url).json()[0]
    assert public["status"] == "closed"
    assert "办成" in public["status_notes"] and "执照已办出" not in public["status_notes"]
    own = client.get(url, HTTP_X_API_KEY=hotline_key).json()[0]
    assert "执照已办出" in own["status_notes"]
    assert "王小明" not in own["status_notes"] and "13812345678" not in own["status_notes"]
    other_raw = issue_key(make_system("区平台", district=hongkou, kind="system"))[1]
    other = client.get(url, HTTP_X_API_KEY=other_raw).json()[0]
    assert "执照已办出" not in other["status_notes"]


def test_list_filters_and_paging(client, hotline_key, food_item, window_user, hall):
    for n in range(3):
        client.post(f"{BASE}/requests.json", request_params(hotline_key, service_code=str(food_item.pk)))
    old = services.case_register(author=window_user, channel=Case.Channel.COUNTER, hall=hall,
                                 reporter_name="赵某", reporter_phone="13900000000", matter="很久以前的事情一件",
                                 created_at=timezone.now() - datetime.timedelta(days=200))
    listing = client.get(f"{BASE}/requests.json")
    assert listing.status_code == 200
    ids = [r["service_request_id"] for r in listing.json()]
    assert len(ids) == 3 and old.tracking_number not in ids  # the standard's default: the last 90 days
    assert listing["X-Total-Count"] == "3"
    page1 = client.get(f"{BASE}/requests.json", {"page_size": 2})
    assert len(page1.json()) == 2 and 'rel="next"' in page1["Link"]
    page2 = client.get(f"{BASE}/requests.json", {"page_size": 2, "page": 2})
    assert len(page2.json()) == 1
    assert {r["service_request_id"] for r in page1.json() + page2.json()} == set(ids)
    by_ids = client.get(f"{BASE}/requests.json", {"service_request_id": f"{ids[0]},{old.tracking_number}"})
    assert {r["service_request_id"] for r in by_ids.json()} == {ids[0], old.tracking_number}
    assert len(client.get(f"{BASE}/requests.json", {"service_code": "general"}).json()) == 0
    assert len(client.get(f"{BASE}/requests.json", {"status": "closed"}).json()) == 0
    assert len(client.get(f"{BASE}/requests.json", {"status": "open"}).json()) == 3
    since = (timezone.now() - datetime.timedelta(days=365)).date().isoformat()
    wide = client.get(f"{BASE}/requests.json", {"start_date": since, "end_date": "2999-01-01T00:00:00+08:00"})
    assert len(wide.json()) == 4
    # An unencoded "+08:00" arrives as a space.
    assert client.get(f"{BASE}/requests.json?start_date={since}T00:00:00+08:00").status_code == 200
    _errors(client.get(f"{BASE}/requests.json", {"status": "pending"}), 400)
    _errors(client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}), 400)
    _errors(client.get(f"{BASE}/requests.json", {"page": "0"}), 400)
    _errors(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "atlantis"}), 400)
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "qingpu"}).json() == []


def test_location_and_email_are_kept_for_staff_and_never_published(client, hotline_key):
    """A case has no address field: what the system sent goes on the staff-only filing note."""
    response = client.post(f"{BASE}/requests.json", request_params(
        hotline_key, address_string="虹口区四川北路1号 & <商场>", lat="31.26", long="121.48",
        email="wang@example.com", media_url="https://example.com/a.jpg"))
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    note = case.timeline.get(kind=TimelineEntry.Kind.INTERNAL_NOTE).text
    for given in ("虹口区四川北路1号 & <商场>", "31.26, 121.48", "wang@example.com", "https://example.com/a.jpg"):
        assert given in note
    public = client.get(f"{BASE}/requests/{case.tracking_number}.json").content.decode()
    assert "四川北路" not in public and "wang@" not in public and "31.26" not in public


@pytest.mark.parametrize("overrides, parameter", [
    ({"lat": "north", "long": "121.4"}, "lat"),
    ({"lat": "31.2"}, "lat"),
    ({"lat": "31.2", "long": "999"}, "long"),
    ({"email": "not-an-address"}, "email"),
])
def test_bad_location_or_email_is_refused_with_its_parameter_named(client, hotline_key, overrides, parameter):
    messages = _errors(client.post(f"{BASE}/requests.json", request_params(hotline_key, **overrides)), 400)
    assert any(m.startswith(parameter) for m in messages), messages
    assert Case.objects.count() == 0


def test_json_lists_or_objects_are_refused_not_stored_mangled(client, hotline_key):
    import json

    for value in (["店铺", "执照"], {"text": "执照办不下来"}):
        body = {**request_params(hotline_key), "description": value}
        response = client.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
        [message] = _errors(response, 400)
        assert message.startswith("description")
    assert Case.objects.count() == 0


def test_wrong_methods_and_unknown_paths_answer_in_the_standard_error_format(client, db):
    """Not Django's empty 405, HTML 404 or CSRF 403 page: a client parses every answer the same way."""
    for method, path, allowed in (("put", "requests.json", "GET, POST"), ("delete", "services.json", "GET"),
                                  ("post", "requests/BCS-2026-000001.json", "GET")):
        response = getattr(client, method)(f"{BASE}/{path}")
        _errors(response, 405)
        assert response["Allow"] == allowed
    for path in ("nothing.json", "requests/BCS-2026-000001/extra.json", ""):
        response = client.get(f"{BASE}/{path}")
        _errors(response, 404)
        assert response["Content-Type"] == "application/json; charset=utf-8"
