"""GET /api/search/ on both engines: shape, filters, limits and bad input."""

from __future__ import annotations

import pytest
from wagtail.contrib.search_promotions.models import Query as PromotionQuery
from wagtail.contrib.search_promotions.models import SearchPromotion

from .experience_helpers import index, make_article, make_department, make_policy, make_topic

pytestmark = pytest.mark.django_db

RESULT_KEYS = {"type", "id", "external_id", "title", "url", "snippet", "score"}


@pytest.fixture
def library(search_engine):
    topic = make_topic("企业开办与注销", slug="kaiban")
    other = make_topic("文化演出", slug="yanchu")
    dept = make_department("普陀区文化旅游局")
    a1 = make_article(topic, "企业简易注销登记办理指引", summary="简易注销怎么办。", tags=["注销"])
    a1.external_id = "EXT-001"
    a1.save_revision().publish()
    a2 = make_article(
        other,
        "营业性演出许可全程网办",
        summary="营业性演出许可可以在一网通办全程网上办理。",
        tags=["演出"],
        departments=[dept],
    )
    policy = make_policy("营业性演出管理条例实施细则", summary="营业性演出许可的条件")
    index(a1, a2, policy)
    return {"a1": a1, "a2": a2, "policy": policy, "dept": dept}


def test_response_shape(client, library):
    response = client.get("/api/search/", {"q": "简易注销"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"count", "results", "facets"}
    assert data["count"] >= 1
    first = data["results"][0]
    assert set(first) == RESULT_KEYS
    assert first["type"] == "article"
    assert first["id"] == library["a1"].pk
    assert first["external_id"] == "EXT-001"
    assert first["title"] == "企业简易注销登记办理指引"
    assert first["url"] == library["a1"].url
    assert "<mark>" in first["snippet"]
    assert isinstance(first["score"], float)
    assert set(data["facets"]) >= {"type", "department", "topic", "tag", "district"}


def test_filters_combine_with_the_query(client, library):
    data = client.get("/api/search/", {"q": "营业性演出许可", "type": "policy"}).json()
    assert [r["type"] for r in data["results"]] == ["policy"]

    data = client.get("/api/search/", {"q": "营业性演出许可", "department": str(library["dept"].pk)}).json()
    assert [r["id"] for r in data["results"]] == [library["a2"].pk]

    data = client.get("/api/search/", {"q": "营业性演出许可", "topic": "kaiban"}).json()
    assert data["count"] == 0 and data["results"] == []

    data = client.get("/api/search/", {"q": "注销", "tag": "注销"}).json()
    assert [r["id"] for r in data["results"]] == [library["a1"].pk]


def test_page_size_and_pages(client, search_engine):
    topic = make_topic("批量主题", slug="piliang")
    index(*[make_article(topic, f"随申办办理指引{i}", slug=f"s-{i}", summary="随申办 线上办理") for i in range(7)])
    page1 = client.get("/api/search/", {"q": "随申办", "page_size": "5"}).json()
    page2 = client.get("/api/search/", {"q": "随申办", "page_size": "5", "page": "2"}).json()
    assert page1["count"] == page2["count"] == 7
    assert len(page1["results"]) == 5 and len(page2["results"]) == 2
    assert not {r["id"] for r in page1["results"]} & {r["id"] for r in page2["results"]}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "注销", "page_size": "51"}, "每页条数"),
        ({"q": "注销", "page_size": "0"}, "每页条数"),
        ({"q": "注销", "page_size": "ten"}, "每页条数"),
        ({"q": "注销", "page": "-1"}, "页码"),
        ({"q": "注销", "page": "１"}, "页码"),
        ({"q": "注销", "type": "user"}, "内容类型"),
        ({"q": "注销", "department": "市场监管局"}, "筛选条件"),
        ({"q": "注" * 10_000}, "搜索词太长了"),
        ({"q": ""}, "请输入搜索词"),
        ({}, "请输入搜索词"),
    ],
)
def test_bad_parameters_get_400_with_a_chinese_error(client, library, params, message):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_invalid_utf8_gets_400(client, library):
    response = client.get("/api/search/?q=%FF%FE")
    assert response.status_code == 400
    assert "无法识别的字符" in response.json()["error"]


@pytest.mark.parametrize("q", ['"', "*", "AND", "NEAR(", ":", "-", '" * AND NEAR( : -', "简易注销\" OR *:*"])
def test_syntax_characters_return_json_not_errors(client, library, q):
    response = client.get("/api/search/", {"q": q})
    assert response.status_code == 200
    data = response.json()
    # Syntax characters alone leave nothing to search: an empty result saying so, not an error.
    assert set(data) - {"message"} == {"count", "results", "facets"}


def test_promoted_result_is_first_and_marked(client, library):
    SearchPromotion.objects.create(query=PromotionQuery.get("注销"), page=library["a2"], sort_order=0)
    results = client.get("/api/search/", {"q": "注销"}).json()["results"]
    assert results[0]["id"] == library["a2"].pk
    assert results[0]["promoted"] is True and results[0]["label"] == "推荐"
    assert "promoted" not in results[-1]


def test_anonymous_cannot_ask_for_cases(client, library):
    response = client.get("/api/search/", {"q": "注销", "type": "case"})
    assert response.status_code == 403
    assert "案例" in response.json()["error"]


def test_several_types_at_once(client, library):
    data = client.get("/api/search/", {"q": "营业性演出许可", "type": "article,policy"}).json()
    assert sorted(r["type"] for r in data["results"]) == ["article", "policy"]
    data = client.get("/api/search/", {"q": "营业性演出许可", "type": "guide，policy"}).json()  # full-width comma
    assert [r["type"] for r in data["results"]] == ["policy"]

    response = client.get("/api/search/", {"q": "注销", "type": "article,user"})
    assert response.status_code == 400 and "内容类型" in response.json()["error"]
    response = client.get("/api/search/", {"q": "注销", "type": "article,case"})
    assert response.status_code == 403 and "案例" in response.json()["error"]


def test_pinyin_query_without_results_says_what_it_spells(client, library):
    data = client.get("/api/search/", {"q": "yanchuxuke"}).json()
    assert data["count"] == 0 and data["did_you_mean"] == ["演出许可"]
    # Found something: no hint.
    assert "did_you_mean" not in client.get("/api/search/", {"q": "简易注销"}).json()
