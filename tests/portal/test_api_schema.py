"""One OpenAPI document for the content API, the search API and Open311, checked against live answers."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate

from cases.open311 import services as open311_services
from cases.open311.models import IntegrationSystem
from knowledge.models import District
from tests.search.experience_helpers import index, make_article, make_department, make_policy, make_topic

pytestmark = pytest.mark.django_db


def check(openapi, method, path, params, response):
    """Validate one live answer (status, headers, body) against the operation the document gives for it."""
    request = MockRequest("http://testserver", method, path, args=params if method == "get" else None,
                          data=None, content_type="application/x-www-form-urlencoded")
    openapi.validate_response(request, MockResponse(
        response.content, status_code=response.status_code,
        content_type=response["Content-Type"].split(";")[0]))


@pytest.fixture
def content():
    topic = make_topic()
    department = make_department("虹口区市场监督管理局")
    department.district = District.objects.get(code="hongkou")
    department.save()
    old = make_policy("旧办法", document_number="沪府规〔2020〕1号", status="superseded")
    new = make_policy("新办法", document_number="沪府规〔2024〕2号")
    old.superseded_by = new
    old.save()
    article = make_article(topic, "个体工商户简易注销指引", problem="前租户未注销，新店办不了执照",
                           departments=[department])
    index(article, new)
    system = IntegrationSystem.objects.create(name="12345", channel_kind="12345",
                                              district=District.objects.get(code="hongkou"))
    raw = open311_services.api_key_issue(system=system, author=None)[1]
    return {"topic": topic, "article": article, "department": department, "policy": old, "key": raw}


def _spec(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    spec = json.loads(response.content)
    validate(spec)  # a valid OpenAPI 3 document
    return spec


def test_every_live_answer_matches_the_schema(content):
    client = Client()
    spec = _spec(client)
    openapi = OpenAPI.from_dict(spec)
    article, topic = content["article"], content["topic"]
    calls = [
        ("get", "/api/v2/pages/", {}, 200),
        ("get", "/api/v2/pages/", {"type": "knowledge.SolutionArticlePage", "fields": "summary,departments"}, 200),
        ("get", f"/api/v2/pages/{article.pk}/", {}, 200),
        ("get", "/api/v2/pages/999999/", {}, 404),
        ("get", "/api/v2/pages/", {"limit": "x"}, 400),
        ("get", "/api/v2/topics/", {}, 200),
        ("get", f"/api/v2/topics/{topic.pk}/", {}, 200),
        ("get", "/api/v2/departments/", {}, 200),
        ("get", f"/api/v2/departments/{content['department'].pk}/", {}, 200),
        ("get", "/api/v2/policies/", {}, 200),
        ("get", f"/api/v2/policies/{content['policy'].pk}/", {}, 200),
        ("get", "/api/v2/districts/", {}, 200),
        ("get", "/api/v2/service-items/", {}, 200),
        ("get", "/api/v2/images/", {}, 200),
        ("get", "/api/v2/documents/", {}, 200),
        ("get", "/api/search/", {"q": "简易注销"}, 200),
        ("get", "/api/search/", {"q": "的"}, 200),
        ("get", "/api/search/", {}, 400),
        ("get", "/open311/v2/services.json", {}, 200),
        ("get", "/open311/v2/services/general.json", {}, 200),
        ("get", "/open311/v2/services/424242.json", {}, 404),
        ("post", "/open311/v2/requests.json", {"api_key": content["key"], "service_code": "general",
                                              "jurisdiction_id": "hongkou", "last_name": "王", "first_name": "某",
                                              "phone": "13800001111", "description": "执照一直办不下来怎么办"}, 201),
        ("post", "/open311/v2/requests.json", {"api_key": content["key"]}, 400),
        ("post", "/open311/v2/requests.json", {"service_code": "general"}, 403),
        ("get", "/open311/v2/requests.json", {}, 200),
        ("get", "/open311/v2/requests/BCS-1999-000001.json", {}, 404),
    ]
    seen_search_hit = False
    for method, path, params, status in calls:
        response = getattr(client, method)(path, params)
        assert response.status_code == status, (path, params, response.content[:300])
        check(openapi, method, path, params, response)
        if path == "/api/search/" and params.get("q") == "简易注销":
            seen_search_hit = response.json()["count"] > 0
    assert seen_search_hit
    detail_path = f"/open311/v2/requests/{client.get('/open311/v2/requests.json').json()[0]['service_request_id']}.json"
    check(openapi, "get", detail_path, {}, client.get(detail_path))


def test_a_wrong_answer_would_fail_validation(content):
    """The check has teeth: an answer missing a required field is refused."""
    from openapi_core.validation.response.exceptions import InvalidData

    client = Client()
    openapi = OpenAPI.from_dict(_spec(client))
    response = client.get("/api/v2/departments/")
    broken = json.loads(response.content)
    del broken["items"][0]["id"]
    check(openapi, "get", "/api/v2/departments/", {}, response)
    response.content = json.dumps(broken).encode()
    with pytest.raises(InvalidData):
        check(openapi, "get", "/api/v2/departments/", {}, response)


def test_the_browsable_page_uses_local_assets_only():
    response = Client().get("/api/schema/ui/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert "swagger-ui" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    # No inline script or style: the site's CSP would refuse them and leave the page blank.
    assert "<script>" not in html and "<style" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_browsable_page_shows_every_part_of_the_api_in_chromium(live_server, browser_page):
    """A reader opening /api/schema/ui/ sees the operations, not a blank page, and nothing leaves the site."""
    refused, outside = [], []
    browser_page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    browser_page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    browser_page.goto("/api/schema/ui/")
    operations = browser_page.locator(".opblock-summary-path")
    operations.first.wait_for()
    paths = operations.all_inner_texts()
    for expected in ("/api/v2/pages/", "/api/v2/topics/", "/api/search/", "/open311/v2/requests.{format}"):
        assert any(expected in p.replace("\u200b", "") for p in paths), (expected, paths)
    assert browser_page.get_by_text("提交案件（需要接口密钥）").is_visible()
    assert refused == [] and outside == []


def test_the_document_covers_content_search_and_open311():
    spec = _spec(Client())
    paths = spec["paths"]
    # The key is a security scheme, so 「Authorize」 on the browsable page sends it with 「Try it out」.
    scheme = spec["components"]["securitySchemes"]["api_key"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-Api-Key")
    assert paths["/open311/v2/requests.{format}"]["post"]["security"][0] == {"api_key": []}
    assert {} in paths["/open311/v2/requests.{format}"]["get"]["security"]
    for expected in ("/api/v2/pages/", "/api/v2/pages/{id}/", "/api/v2/topics/", "/api/v2/departments/",
                     "/api/v2/policies/", "/api/v2/images/", "/api/v2/documents/", "/api/search/",
                     "/open311/v2/requests.{format}"):
        assert expected in paths
    assert not [p for p in paths if p.startswith("/admin")]
