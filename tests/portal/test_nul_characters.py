"""A NUL character (%00) in an address: PostgreSQL refuses it in any text it is compared with, so
public pages ended in a server error (/tags/a%00b/, Open311's request list). Every such request
gets a 400 that says what was wrong, HTML for readers and JSON for the APIs. In posted free text
it is dropped (tests/cases/test_plain_text.py); a posted field that is looked up refuses it."""

import json

import pytest
from django.test import Client

from tests.cases.open311_helpers import issue_key, make_system, request_params

pytestmark = pytest.mark.django_db


def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", ["/tags/a%00b/", "/departments/a%00b/", "/report/status/?x=%00"])
def test_a_reader_gets_a_chinese_400(url):
    response = client().get(url)
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()


@pytest.mark.parametrize("url", [
    "/open311/v2/requests.json?jurisdiction_id=a%00b",
    "/open311/v2/requests.json?service_request_id=BCS%00",
    "/open311/v2/requests/BCS%00.json",
])
def test_open311_answers_its_own_json_400(url):
    response = client().get(url)
    assert response.status_code == 400
    errors = response.json()
    assert errors[0]["code"] == 400 and "无效字符" in errors[0]["description"]


def test_the_search_api_answers_json():
    response = client().get("/api/search/", {"q": "a\x00b"})
    assert response.status_code == 400 and "error" in response.json()


def test_a_filing_with_a_nul_in_a_form_field_or_json_is_refused_whole():
    from cases.models import Case
    from knowledge.models import District

    hongkou = District.objects.get(code="hongkou")

    raw = issue_key(make_system(district=hongkou))[1]
    form = client().post("/open311/v2/requests.json", request_params(raw, jurisdiction_id="hong\x00kou"))
    assert form.status_code == 400 and "jurisdiction_id 不正确" in form.json()[0]["description"]
    body = json.dumps(request_params(raw, jurisdiction_id="hong\x00kou"))
    as_json = client().post("/open311/v2/requests.json", body, content_type="application/json")
    assert as_json.status_code == 400 and "jurisdiction_id 不正确" in as_json.json()[0]["description"]
    assert not Case.objects.exists()
