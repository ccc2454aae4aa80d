"""Both engines behind one interface: what a reader or a caseworker gets back."""

import pytest

from search.engines.base import STAFF, SearchDocument, SearchQuery
from search.models import SearchSynonym

DOCS = [
    SearchDocument(
        doc_type="article", doc_id=1, external_id="A-1", title="个体工商户简易注销办理指引",
        summary="前任租户未办结注销登记，新店无法办理营业执照怎么办",
        body="可以申请简易注销。公告期20天，无异议即可办结。所需材料：营业执照正本、副本。",
        department_ids=[7], department_names=["虹口区市场监管局"], topic="kaiban", tags=["注销"], districts=["hongkou"],
    ),
    SearchDocument(
        doc_type="article", doc_id=2, external_id="A-2", title="法定代表人变更容缺受理",
        summary="身份证原件暂缺时可先受理，事后补交",
        body="崇明区政务服务中心对法定代表人变更实行容缺受理，材料可通过邮寄补交。",
        department_ids=[8], department_names=["崇明区政务服务中心"], topic="biangeng", tags=["容缺受理"], districts=["chongming"],
    ),
    SearchDocument(
        doc_type="guide", doc_id=3, title="营业性演出许可全程网办衔接指引",
        summary="普陀区营业性演出许可改为一网通办", body="自新政策施行之日起，申请人通过随申办提交材料，不再需要到窗口。",
        department_ids=[9], department_names=["普陀区文化旅游局"], topic="wenhua", tags=["一网通办"], districts=["putuo"],
    ),
    SearchDocument(
        doc_type="policy", doc_id=4, title="关于进一步优化营商环境的若干措施", summary="上海市人民政府 沪府规〔2023〕1号",
        body="推行证照分离改革，扩大告知承诺范围。",
    ),
    SearchDocument(
        doc_type="case", doc_id=5, title="餐饮店因前租户未注销无法登记", summary="案例：虹口区",
        body="申请人反映前租户歇业后未注销，新店营业执照办不下来。", visibility=STAFF, restrict_keys=["dept:7", "district:hongkou"],
    ),
]


@pytest.fixture
def indexed(search_engine):
    search_engine.index(DOCS)
    return search_engine


def ids(results):
    return [(h.doc_type, h.doc_id) for h in results.hits]


def test_chinese_query_finds_and_ranks_the_article(indexed):
    res = indexed.search(SearchQuery(q="简易注销怎么办理"))
    assert ids(res)[0] == ("article", 1)
    assert res.hits[0].external_id == "A-1" and res.hits[0].score > 0
    assert "<mark>" in res.hits[0].snippet


@pytest.mark.parametrize("q", ["简易注销", "簡易註銷", "ｓ簡易註銷".replace("ｓ", ""), "简易注销　", "ＡＢＣ 簡易注銷"])
def test_traditional_simplified_and_full_width_find_the_same(indexed, q):
    base = ids(indexed.search(SearchQuery(q="简易注销")))
    assert ids(indexed.search(SearchQuery(q=q)))[: len(base)] == base


def test_snippet_marks_matches_and_escapes_the_rest(search_engine):
    search_engine.index([SearchDocument(doc_type="article", doc_id=9, title="注销", body="<script>alert(1)</script> 办理注销需要营业执照")])
    res = search_engine.search(SearchQuery(q="注销"))
    snippet = res.hits[0].snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>注销</mark>" in snippet


def test_traditional_document_is_highlighted_as_written(search_engine):
    search_engine.index([SearchDocument(doc_type="article", doc_id=9, title="註銷", body="辦理簡易註銷需要營業執照")])
    res = search_engine.search(SearchQuery(q="简易注销"))
    assert "<mark>簡易註銷</mark>" in res.hits[0].snippet or "<mark>註銷</mark>" in res.hits[0].snippet


def test_filters_combine_with_query_and_facets_count(indexed):
    res = indexed.search(SearchQuery(q="营业执照"))
    facet_types = {f["value"]: f["count"] for f in res.facets["type"]}
    assert facet_types.get("article", 0) >= 1 and "case" not in facet_types
    only = indexed.search(SearchQuery(q="营业执照", department="7"))
    assert ids(only) == [("article", 1)]
    assert only.facets["department"] == [{"value": "7", "label": "虹口区市场监管局", "count": 1}]
    assert ids(indexed.search(SearchQuery(q="简易注销", types=["policy"]))) == []
    assert ids(indexed.search(SearchQuery(q="营业执照", types=["policy"]))) == [("policy", 4)]  # 证照 is a synonym
    assert ids(indexed.search(SearchQuery(q="受理", tag="容缺受理"))) == [("article", 2)]
    assert ids(indexed.search(SearchQuery(q="网办", topic="wenhua", district="putuo"))) == [("guide", 3)]


def test_hits_without_facets_are_the_same_hits(indexed):
    # Precedents at intake list hits only; they must not differ from the search page's.
    with_facets = indexed.search(SearchQuery(q="营业执照"))
    without = indexed.search(SearchQuery(q="营业执照", facets=False))
    assert ids(without) == ids(with_facets) and without.count == with_facets.count
    assert with_facets.facets["type"] and without.facets == {}


def test_pagination(search_engine):
    search_engine.index(
        [SearchDocument(doc_type="article", doc_id=i, title=f"公积金提取指引{i}", body="住房公积金提取") for i in range(1, 24)]
    )
    first = search_engine.search(SearchQuery(q="公积金", page=1, page_size=10))
    third = search_engine.search(SearchQuery(q="公积金", page=3, page_size=10))
    assert first.count == 23 and len(first.hits) == 10 and len(third.hits) == 3
    assert not set(ids(first)) & set(ids(third))


def test_staff_documents_only_for_matching_keys(indexed):
    assert ("case", 5) not in ids(indexed.search(SearchQuery(q="前租户未注销")))
    assert ("case", 5) not in ids(indexed.search(SearchQuery(q="前租户未注销", include_staff=True, restrict_keys=[])))
    assert ("case", 5) not in ids(indexed.search(SearchQuery(q="前租户未注销", include_staff=True, restrict_keys=["dept:8"])))
    assert ("case", 5) in ids(indexed.search(SearchQuery(q="前租户未注销", include_staff=True, restrict_keys=["dept:7"])))
    assert ("case", 5) in ids(indexed.search(SearchQuery(q="前租户未注销", include_staff=True, restrict_keys=None)))


def test_synonym_saved_in_admin_applies_without_restart(indexed):
    assert ids(indexed.search(SearchQuery(q="打烊手续"))) == []
    SearchSynonym.objects.create(terms="打烊，注销")
    assert ("article", 1) in ids(indexed.search(SearchQuery(q="打烊手续")))


@pytest.mark.parametrize(
    "q",
    [
        '" * AND OR NOT NEAR( ) : - ^ ~ { } [ ] \\ /',
        '注销" OR "1"="1',
        "NEAR(注销 营业执照)",
        "title:注销 AND -body:*",
        "注销" * 5000,
        "",
        "   ",
        b"\xff\xfe\xc3(".decode("utf-8", "surrogateescape"),
        "\x00注销\x00",
    ],
)
def test_syntax_characters_long_empty_and_broken_queries_never_raise(indexed, q):
    res = indexed.search(SearchQuery(q=q))
    assert res.count >= 0 and len(res.hits) <= 10


def test_empty_query_returns_nothing(indexed):
    assert indexed.search(SearchQuery(q="")).count == 0


def test_delete_and_suggest(indexed):
    assert "个体工商户简易注销办理指引" in indexed.suggest("个体")
    assert indexed.suggest("") == []
    assert not any("餐饮店" in s for s in indexed.suggest("餐饮"))  # staff documents never suggested
    indexed.delete("article", [1])
    assert ("article", 1) not in ids(indexed.search(SearchQuery(q="简易注销")))


def test_reindexing_a_document_replaces_it(indexed):
    indexed.index([SearchDocument(doc_type="article", doc_id=1, title="廉租房申请", body="廉租房申请条件")])
    assert ids(indexed.search(SearchQuery(q="简易注销 个体工商户"))).count(("article", 1)) == 0
    res = indexed.search(SearchQuery(q="廉租房"))
    assert ids(res) == [("article", 1)] and res.count == 1
