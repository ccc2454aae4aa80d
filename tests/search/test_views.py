"""The public search page, suggestions and the click redirect, on both engines."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from wagtail.contrib.search_promotions.models import Query as PromotionQuery
from wagtail.contrib.search_promotions.models import SearchPromotion

from search.models import QueryClick, QueryLog

from .experience_helpers import district, index, make_article, make_department, make_policy, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(search_engine):
    """Two topics, three articles and a policy, indexed in the engine under test."""
    closing = make_topic("企业开办与注销", slug="kaiban")
    housing = make_topic("住房保障", slug="zhufang")
    market = make_department("虹口区市场监管局")
    housing_dept = make_department("区房管局")
    a1 = make_article(
        closing,
        "企业简易注销登记办理指引",
        summary="前任租户未注销，新店无法办照时如何办理简易注销。",
        problem="饭店想开业，但地址上的前任公司一直没有注销，营业执照办不下来。",
        tags=["注销", "营业执照"],
        departments=[market],
        districts=[district("hongkou")],
    )
    a2 = make_article(
        closing,
        "股东联系不上时的公司注销",
        summary="股东失联、身份证为旧版15位号码时的注销办法。",
        problem="公司要注销，但有一个股东联系不上，身份证还是15位的老号码。",
        tags=["注销"],
        departments=[market],
        districts=[district("qingpu")],
    )
    a3 = make_article(
        housing,
        "住房补贴跨部门联办",
        summary="曲阳路住房补贴申请涉及多个部门时如何一次办成。",
        problem="申请住房补贴需要房管、民政两个部门的证明。",
        tags=["住房补贴"],
        departments=[housing_dept],
    )
    policy = make_policy("关于推行企业简易注销登记改革的通知", document_number="沪市监规〔2023〕3号")
    index(a1, a2, a3, policy)
    return {"closing": closing, "housing": housing, "market": market, "a1": a1, "a2": a2, "a3": a3, "policy": policy}


def test_results_have_highlighted_snippets_and_count(client, library):
    response = client.get("/search/", {"q": "简易注销"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业简易注销登记办理指引" in html
    assert "<mark>" in html
    assert re.search(r"共找到 \d+ 条结果", html)
    # The header search box shows what was searched.
    assert 'value="简易注销"' in html


def test_facet_links_keep_the_query_and_combine_filters(client, library):
    html = client.get("/search/", {"q": "注销"}).content.decode()
    # A facet link for the Qingpu district carries the query along.
    links = re.findall(r'href="(/search/\?[^"]*district=qingpu[^"]*)"', html)
    assert links, "no district facet link"
    params = parse_qs(urlparse(links[0].replace("&amp;", "&")).query)
    assert params["q"] == ["注销"]

    filtered = client.get(links[0].replace("&amp;", "&")).content.decode()
    assert "股东联系不上时的公司注销" in filtered
    assert "企业简易注销登记办理指引" not in filtered

    # Facets read as names, not codes.
    assert re.search(r'topic=kaiban[^"]*">企业开办与注销</a>', html)
    assert re.search(r'district=qingpu[^"]*">青浦区</a>', html)

    # Combining with a second filter (content type) keeps the district.
    type_links = re.findall(r'href="(/search/\?[^"]*type=article[^"]*)"', filtered)
    assert type_links and "district=qingpu" in type_links[0]


def test_type_filter_limits_to_policies(client, library):
    html = client.get("/search/", {"q": "简易注销", "type": "policy"}).content.decode()
    assert "关于推行企业简易注销登记改革的通知" in html
    assert "企业简易注销登记办理指引" not in html
    assert "政策文件" in html


def test_pagination(client, search_engine):
    topic = make_topic("批量主题", slug="piliang")
    pages = [
        make_article(topic, f"容缺受理办事指引第{i}号", slug=f"rongque-{i}", summary="容缺受理 材料后补")
        for i in range(13)
    ]
    index(*pages)
    first = client.get("/search/", {"q": "容缺受理"}).content.decode()
    assert "共找到 13 条结果" in first
    assert first.count('class="result"') == 10
    assert "下一页" in first
    second = client.get("/search/", {"q": "容缺受理", "page": "2"}).content.decode()
    assert second.count('class="result"') == 3
    assert "上一页" in second


def test_no_result_help_offers_topics_and_the_online_report(client, library):
    response = client.get("/search/", {"q": "量子纠缠发射许可"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "没有找到相关内容" in html
    assert "还是办不成？在线反映" in html and 'href="/report/"' in html
    assert library["closing"].url in html  # a topic to browse instead


def test_empty_query_prompts_without_error(client, library):
    response = client.get("/search/", {"q": "   "})
    assert response.status_code == 200
    assert "请输入要搜索的内容" in response.content.decode()


@pytest.mark.parametrize(
    "q",
    ['"', '"简易注销', "*", "注销*", "AND", "简易 AND 注销", "NEAR(", "NEAR(注销 简易", ":", "title:注销", "-", "-注销",
     '" * AND NEAR( : -', "OR NOT ^ ~ { } [ ] / \\", "'; DROP TABLE x; --"],
)
def test_syntax_characters_never_break_the_page(client, library, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert "服务器" not in response.content.decode()


def test_syntax_characters_around_words_still_find_them(client, library):
    html = client.get("/search/", {"q": '"简易注销" AND NEAR('}).content.decode()
    assert "企业简易注销登记办理指引" in html


def test_ten_thousand_character_query_gets_a_chinese_message(client, library):
    response = client.get("/search/", {"q": "注销" * 5000})
    assert response.status_code == 400
    assert "搜索词太长了" in response.content.decode()


def test_invalid_utf8_gets_a_chinese_message(client, library):
    response = client.get("/search/?q=%FF%FE")
    assert response.status_code == 400
    assert "无法识别的字符" in response.content.decode()


def test_invalid_page_number_gets_a_chinese_message(client, library):
    response = client.get("/search/", {"q": "注销", "page": "abc"})
    assert response.status_code == 400
    assert "页码" in response.content.decode()


def test_anonymous_page_is_cacheable(client, library):
    response = client.get("/search/", {"q": "注销"})
    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "csrftoken" not in response.cookies
    assert "public" in response["Cache-Control"]


def test_promoted_page_comes_first_marked_recommended(client, library):
    query = PromotionQuery.get("注销")
    SearchPromotion.objects.create(query=query, page=library["a3"], sort_order=0, description="编辑推荐")
    html = client.get("/search/", {"q": "注销"}).content.decode()
    results = re.findall(r'<li class="result[^"]*">(.*?)</li>', html, flags=re.S)
    assert "住房补贴跨部门联办" in results[0]
    assert "推荐" in results[0]
    # Listed once, even though it is promoted.
    assert html.count("住房补贴跨部门联办") == 1


def test_unpublished_promoted_page_is_not_shown(client, library):
    query = PromotionQuery.get("注销")
    SearchPromotion.objects.create(query=query, page=library["a3"], sort_order=0)
    library["a3"].unpublish()
    html = client.get("/search/", {"q": "注销"}).content.decode()
    assert "住房补贴跨部门联办" not in html


def test_suggestions_from_titles_and_popular_queries(client, library):
    titles = client.get("/search/suggest/", {"q": "企业简易"}).json()
    assert "企业简易注销登记办理指引" in titles

    page = library["a3"]
    for reader in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        reader_client = Client(REMOTE_ADDR=reader)
        reader_client.get("/search/", {"q": "住房补贴"})
        reader_client.get("/search/click/", {"q": "住房补贴", "doc": f"article:{page.pk}", "to": page.url})
    popular = client.get("/search/suggest/", {"q": "住房"}).json()
    assert "住房补贴" in popular


def test_searching_alone_plants_no_suggestion(client, library):
    spam = "营业执照代办 加微信领补贴 点此网址"
    for _ in range(20):
        client.get("/search/", {"q": spam})
    # Clicks from one address, however many, count as one reader.
    page = library["a3"]
    for _ in range(10):
        client.get("/search/click/", {"q": spam, "doc": f"article:{page.pk}", "to": page.url})
    assert not any("加微信" in s for s in client.get("/search/suggest/", {"q": "营业执照"}).json())


def test_editors_approve_and_block_suggestions(client, library):
    from search.models import SuggestionRule

    SuggestionRule.objects.create(phrase="住房公积金提取", action=SuggestionRule.Action.APPROVE)
    assert "住房公积金提取" in client.get("/search/suggest/", {"q": "住房"}).json()
    # A blocked phrase hides every suggestion containing it, titles included.
    assert "企业简易注销登记办理指引" in client.get("/search/suggest/", {"q": "企业简易"}).json()
    SuggestionRule.objects.create(phrase="简易注销", action=SuggestionRule.Action.BLOCK)
    assert not any("简易注销" in s for s in client.get("/search/suggest/", {"q": "企业简易"}).json())


def test_suggestions_never_offer_personal_looking_queries(client, library):
    for _ in range(5):
        client.get("/search/", {"q": "注销 13812345678"})
    assert not any("13812345678" in s for s in client.get("/search/suggest/", {"q": "注销"}).json())


def test_suggest_with_bad_input_returns_empty_list(client, library):
    assert client.get("/search/suggest/", {"q": "注" * 500}).json() == []
    assert client.get("/search/suggest/?q=%FF").json() == []
    assert client.get("/search/suggest/").json() == []


def test_result_links_go_through_the_click_redirect(client, library):
    html = client.get("/search/", {"q": "简易注销"}).content.decode()
    href = re.search(r'href="(/search/click/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(href)
    assert response.status_code == 302
    assert response["Location"] == parse_qs(urlparse(href).query)["to"][0]
    click = QueryClick.objects.get()
    assert click.query == "简易注销"
    assert re.match(r"^(article|policy):\d+$", click.doc)


@pytest.mark.parametrize(
    "to", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "", "evil.example"]
)
def test_click_redirect_refuses_other_sites(client, to):
    response = client.get("/search/click/", {"q": "注销", "doc": "article:1", "to": to})
    assert response.status_code == 400
    assert "只能跳转到本站页面" in response.content.decode()
    assert not QueryClick.objects.exists()


def test_every_search_is_logged_once(client, library):
    client.get("/search/", {"q": "简易注销"})
    client.get("/search/", {"q": "量子纠缠发射许可"})
    assert QueryLog.objects.count() == 2
    assert QueryLog.objects.get(query="量子纠缠发射许可").zero_result is True


@pytest.mark.browser
# serialized_rollback: each run starts with the home page and districts the migrations created,
# which a previous transactional test would otherwise have flushed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_uses_autocomplete_and_opens_a_result(live_server, browser_page, search_engine):
    topic = make_topic("企业开办与注销", slug="kaiban")
    page = make_article(topic, "企业简易注销登记办理指引", summary="前任租户未注销，新店无法办照时如何办理简易注销。")
    index(page)

    browser_page.goto("/")
    box = browser_page.locator("#site-q")
    box.click()
    box.press_sequentially("企业简易", delay=30)
    option = browser_page.get_by_role("option", name="企业简易注销登记办理指引")
    option.wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    browser_page.wait_for_url("**/search/?q=*")
    assert browser_page.locator("mark").first.is_visible()
    assert browser_page.input_value("#site-q") == "企业简易注销登记办理指引"

    browser_page.get_by_role("link", name="企业简易注销登记办理指引").click()
    browser_page.wait_for_url(f"**{page.url}")
    assert QueryClick.objects.filter(doc=f"article:{page.pk}").exists()


def test_query_is_escaped_everywhere(client, library):
    html = client.get("/search/", {"q": '<script>alert(1)</script>"><img src=x onerror=alert(2)>'}).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_beyond_the_last_says_so(client, library):
    response = client.get("/search/", {"q": "注销", "page": "40"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "页码超出范围" in html and "回到第一页" in html


def test_head_and_post(client, library):
    assert client.head("/search/", {"q": "注销"}).status_code == 200
    assert client.post("/search/", {"q": "注销"}).status_code == 405


def test_pinyin_typed_with_the_input_method_off(client, library):
    """Autocomplete answers pinyin and initials; an empty result offers the Chinese it spells."""
    assert "企业简易注销登记办理指引" in client.get("/search/suggest/", {"q": "jianyizhuxiao"}).json()
    assert "企业简易注销登记办理指引" in client.get("/search/suggest/", {"q": "qyjy"}).json()

    # Nothing is spelled zhufangbutie: the page shows what 住房补贴 finds, and says so.
    html = client.get("/search/", {"q": "zhufangbutie"}).content.decode()
    note = re.search(r'data-testid="pinyin-searched">(.*?)</p>', html, re.S).group(1)
    assert "zhufangbutie" in note and "住房补贴" in note
    assert "住房补贴跨部门联办" in html


def test_pinyin_never_offers_an_unpublished_title(client, library):
    title = library["a3"].title
    library["a3"].unpublish()
    assert title not in client.get("/search/suggest/", {"q": "zhufang"}).json()
    assert title not in client.get("/search/suggest/", {"q": "zfbt"}).json()


# --- policies link to their own page ------------------------------------------------


def _result_targets(html: str) -> dict[str, str]:
    """Result title -> where its link finally goes (the click redirect's "to")."""
    out = {}
    for href, title in re.findall(r'<a href="([^"]*)">([^<]+)</a>\s*</h2>', html):
        href = href.replace("&amp;", "&")
        if href.startswith("/search/click/"):
            href = parse_qs(urlparse(href).query)["to"][0]
        out[title] = href
    return out


def test_policy_result_opens_the_policy_page(client, library):
    html = client.get("/search/", {"q": "简易注销", "type": "policy"}).content.decode()
    url = _result_targets(html)["关于推行企业简易注销登记改革的通知"]
    assert url == f"/policies/{library['policy'].pk}/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "沪市监规〔2023〕3号" in text and "现行有效" in text

    api = client.get("/api/search/", {"q": "简易注销", "type": "policy"}).json()
    assert api["results"][0]["url"] == url


def test_policy_indexed_before_its_page_existed_still_links_to_it(client, search_engine):
    from search.sources import get_source

    policy = make_policy("上海市企业注销便利化工作指引", document_number="沪市监规〔2022〕3号")
    doc = get_source("policy").document_for(policy)
    doc.url = ""  # what an index built before /policies/<id>/ existed holds
    search_engine.index([doc])

    html = client.get("/search/", {"q": "注销便利化"}).content.decode()
    assert _result_targets(html)["上海市企业注销便利化工作指引"] == f"/policies/{policy.pk}/"
    api = client.get("/api/search/", {"q": "注销便利化"}).json()
    assert api["results"][0]["url"] == f"/policies/{policy.pk}/"


# --- queries with nothing to search -----------------------------------------------------


@pytest.mark.parametrize("q", ["的", "？", "%", "!!!", "的 了 吗"])
def test_query_with_nothing_searchable_lists_nothing(client, library, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"“{q}”中没有可检索的词，请换个说法" in html
    assert 'class="result' not in html and "共找到" not in html
    assert "没有找到相关内容" in html and 'href="/report/"' in html
    assert library["closing"].url in html  # topics to browse instead

    data = client.get("/api/search/", {"q": q}).json()
    assert data["count"] == 0 and data["results"] == []
    assert "没有可检索的词" in data["message"]


def test_nothing_searchable_with_a_filter_still_lists_nothing(client, library):
    html = client.get("/search/", {"q": "的", "type": "policy"}).content.decode()
    assert "没有可检索的词" in html and 'class="result' not in html
    assert client.get("/api/search/", {"q": "的", "type": "policy"}).json()["count"] == 0


def test_empty_query_with_a_filter_still_browses(client, library):
    html = client.get("/search/", {"q": "", "type": "policy"}).content.decode()
    assert "关于推行企业简易注销登记改革的通知" in html
    assert "没有可检索的词" not in html
    assert client.get("/api/search/", {"type": "policy"}).json()["count"] == 1


# --- facets on a phone ------------------------------------------------------------------


def test_facets_sit_in_a_disclosure_that_names_them(client, library):
    html = client.get("/search/", {"q": "注销"}).content.decode()
    block = html.split('<details id="search-facets"')[1].split("</details>")[0]
    assert "<summary>筛选（内容类型、部门、主题、标签、适用区）</summary>" in block
    assert "district=qingpu" in block


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_results_come_before_the_facets_on_a_phone(live_server, browser_page, search_engine):
    topic = make_topic("容缺受理", slug="rongque")
    departments = [make_department(f"第{i}区行政服务中心") for i in range(12)]
    pages = [
        make_article(
            topic,
            f"容缺受理办事指引第{i}号",
            slug=f"rongque-{i}",
            summary="容缺受理 材料后补",
            tags=[f"标签{i}"],
            departments=[departments[i]],
        )
        for i in range(12)
    ]
    index(*pages)

    browser_page.set_viewport_size({"width": 375, "height": 740})
    browser_page.goto("/search/?q=容缺受理")
    first = browser_page.locator("li.result").first.bounding_box()
    assert first["y"] < 700
    facet = browser_page.locator(".search-facets .facet a").first
    assert not facet.is_visible()
    # Still reachable with the keyboard.
    browser_page.locator("#search-facets summary").focus()
    browser_page.keyboard.press("Enter")
    assert facet.is_visible()

    browser_page.set_viewport_size({"width": 1280, "height": 800})
    browser_page.reload()
    assert browser_page.locator(".search-facets .facet a").first.is_visible()
