"""Precedent panel data: similar resolved cases (only those the user may see) and articles (issue 5)."""

import re

import pytest

from cases import services
from cases.precedents import similar_cases_and_articles
from search.engines import get_engine
from search.sources import get_source

from .conftest import register


def _index_case(case):
    doc = get_source("case").document_for(case)
    assert doc is not None, "closed cases belong in the case library index"
    get_engine().index([doc])


def _close(case, triage_user, department, classification="difficult"):
    services.case_triage(case=case, author=triage_user, classification=classification, blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage_user, lead_department=department, lead_task="协调办理")
    case.refresh_from_db()
    return services.case_close(
        case=case, author=triage_user, outcome="done",
        resolution_summary="联系前租户完成简易注销后，新商户的营业执照当天办结。",
    )


@pytest.fixture
def engine(db):
    engine = get_engine()
    engine.clear()
    return engine


@pytest.fixture
def article(engine):
    from tests.search.experience_helpers import index, make_article, make_topic

    topic = make_topic("企业开办与注销", slug="kaiban-prec")
    page = make_article(
        topic, "前租户未注销时新商户如何办理营业执照",
        summary="铺位被未注销的前租户企业占用时，先办理简易注销再申请营业执照。",
        problem="前租户未完成企业注销，新商户无法办理营业执照",
        steps="联系前租户或物业，协助前租户办理简易注销。",
    )
    index(page)
    return page


def test_triage_user_sees_similar_closed_case_with_outcome_and_terms(engine, article, window_user, hall,
                                                                      triage_user, market_dept):
    case = register(window_user, hall, reporter_name="张某某", reporter_phone="13800001234")
    case = _close(case, triage_user, market_dept)
    _index_case(case)

    found = similar_cases_and_articles(
        user=triage_user, text="我们新租的铺位，前租户一直没注销企业，营业执照办不下来，电话13912345678"
    )
    cases_found = [p for p in found if p.kind == "case"]
    articles_found = [p for p in found if p.kind == "article"]
    assert [p.id for p in cases_found] == [case.pk]
    assert cases_found[0].outcome == "办成"
    assert cases_found[0].classification == "难办"
    # The labels sit beside the hit; the snippet starts with what was done.
    assert not re.sub(r"<[^>]+>", "", cases_found[0].snippet).startswith(("难办", "办成"))
    assert "注销" in cases_found[0].matched_terms
    assert [p.id for p in articles_found] == [article.pk]
    assert articles_found[0].matched_terms
    # Staff read why it matched in whole words, not bigram shards such as "业执" or "前租".
    shown = cases_found[0].matched_terms + articles_found[0].matched_terms
    assert "营业执照" in shown and "注销" in shown
    assert not {"业执", "前租", "照办", "营业"} & set(shown)
    # Personal data never appears in what the panel shows.
    assert all("13800001234" not in p.snippet and "张某某" not in p.snippet for p in found)


def test_open_cases_and_other_districts_cases_are_not_precedents(engine, window_user, hall, triage_user,
                                                                 market_dept, qingpu_triage_user, qingpu_hall):
    open_case = register(window_user, hall)
    closed = _close(register(window_user, hall), triage_user, market_dept)
    _index_case(closed)
    text = "前租户未完成企业注销，新商户无法办理营业执照"
    # A 研判员 of another district sees neither the closed Hongkou case nor the open one.
    assert [p for p in similar_cases_and_articles(user=qingpu_triage_user, text=text) if p.kind == "case"] == []
    # The 研判员 of the district sees the closed one only, and not the case being worked on.
    ids = [p.id for p in similar_cases_and_articles(user=triage_user, text=text) if p.kind == "case"]
    assert ids == [closed.pk] and open_case.pk not in ids
    assert [p for p in similar_cases_and_articles(user=triage_user, text=text, exclude_case_id=closed.pk)
            if p.kind == "case"] == []


def test_anonymous_and_short_text(engine, article, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    found = similar_cases_and_articles(user=AnonymousUser(), text="前租户未注销，办不了营业执照")
    assert found and all(p.kind != "case" for p in found)
    assert similar_cases_and_articles(user=AnonymousUser(), text="注销") == []


def test_report_form_suggests_guides_before_submitting(client, engine, article, window_user, hall, triage_user,
                                                       market_dept):
    """/report/: typed matter → matching public guides; never a case, not logged, personal data taken out."""
    from django.urls import reverse

    from search.models import QueryLog

    closed = _close(register(window_user, hall), triage_user, market_dept)
    _index_case(closed)
    url = reverse("cases_public:report_suggestions")
    client.force_login(triage_user)  # even signed-in staff get the public view here
    data = client.post(url, {"text": "新租的铺位前租户没注销，营业执照办不下来，我是张某某13912345678"}).json()
    assert [r["title"] for r in data["results"]] == [article.title]
    # The link counts the visit (deflection figure), then shows the guide.
    assert data["results"][0]["url"] == reverse("cases_public:guide_open", args=[article.pk])
    assert "<mark>" in data["results"][0]["snippet"]
    assert client.get(data["results"][0]["url"]).url == article.url
    assert QueryLog.objects.count() == 0
    # Too short, or nothing left once personal data is removed: nothing suggested.
    assert client.post(url, {"text": "注销"}).json() == {"results": []}
    assert client.post(url, {"text": "13912345678"}).json() == {"results": []}
    assert client.get(url).status_code == 405


def test_report_suggestions_are_rate_limited(client, engine, settings):
    from django.urls import reverse

    settings.CASES_REPORT_SUGGEST_RATE_LIMIT = (2, 600)
    url = reverse("cases_public:report_suggestions")
    assert [client.post(url, {"text": "前租户未注销，办不了营业执照"}).status_code for _ in range(3)] == [200, 200, 429]
    assert "过于频繁" in client.post(url, {"text": "前租户未注销"}).json()["error"]


def test_report_page_has_the_suggestion_box(client, db):
    from django.urls import reverse

    html = client.get(reverse("cases_public:report")).content.decode()
    assert 'data-report-suggestions' in html and reverse("cases_public:report_suggestions") in html


def test_generic_words_alone_are_noise_and_reasons_are_the_shared_whole_words(
    engine, window_user, hall, triage_user, market_dept
):
    """The issue's example: 营业性演出许可 'matched' a deregistration case on 系统、提示、正确."""
    from tests.search.experience_helpers import index, make_article, make_topic

    topic = make_topic("文化演出", slug="yanchu-prec")
    performance = make_article(
        topic, "营业性演出许可怎么在网上申请",
        summary="营业性演出许可改为全程网办，材料在线上传。",
        problem="申请营业性演出许可时系统提示材料格式不正确",
        steps="按指引逐项上传演出合同和节目单。",
    )
    index(performance)
    deregistration = register(
        window_user, hall, matter="办理公司简易注销时系统一直提示股东信息不正确，窗口说无法处理",
    )
    deregistration = _close(deregistration, triage_user, market_dept)
    _index_case(deregistration)

    found = similar_cases_and_articles(user=triage_user, text="申请营业性演出许可，系统一直提示材料不正确，无法提交")
    assert [p.id for p in found] == [performance.pk]
    assert found[0].matched_terms[0] == "营业性演出许可"
    assert "<mark>营业性演出许可</mark>" in found[0].snippet
    # Generic words never stand alone as the reason: the case shares only those.
    assert similar_cases_and_articles(user=triage_user, text="系统一直提示信息不正确，无法处理") == []
    # The same case is found when the matter is about what it is about, with that as the reason.
    found = similar_cases_and_articles(user=triage_user, text="公司要简易注销，股东信息对不上")
    assert [p.id for p in found if p.kind == "case"] == [deregistration.pk]
    assert {"简易注销", "股东"} <= set(found[0].matched_terms)


def test_shared_words_are_whole_words_of_the_typed_text():
    from cases.precedents import is_relevant, shared_words

    typed = ["营业性演出许可", "系统", "提示", "正确"]
    # The long word is not in the text whole: the dictionary words inside it that are.
    noise = shared_words(typed, "办理食品经营许可和营业执照，系统提示不正确")
    assert set(noise) == {"营业", "许可", "系统", "提示", "正确"}
    assert not is_relevant(noise)
    assert shared_words(typed, "营业性演出许可全程网办") == ["营业性演出许可"]
    assert is_relevant(["营业性演出许可"])


def test_placeholders_of_de_identified_text_are_not_searched(engine, article, dept_user):
    # A department reads a 个体工商户's matter as "【个体工商户名称】反映：…": the panel must not
    # offer guidance about 个体工商户 names because of the placeholder's words.
    from tests.search.experience_helpers import index, make_article, make_topic

    rename = make_article(
        make_topic("个体工商户", slug="getihu-prec"), "个体工商户名称变更怎么办",
        summary="个体工商户变更名称的，向登记机关申请名称变更。",
        problem="个体工商户想更改名称", steps="提交个体工商户名称变更申请。",
    )
    index(rename)

    found = similar_cases_and_articles(
        user=dept_user, text="【个体工商户名称】反映：前租户未注销，【手机号】联系不上，营业执照办不下来"
    )
    assert rename.pk not in [p.id for p in found]
    assert article.pk in [p.id for p in found]
    assert all(not {"个体工商户", "名称", "手机号"} & set(p.matched_terms) for p in found)


def test_the_reporters_own_phone_and_id_placeholders_are_not_searched(engine, article, window_user, hall, dept_user):
    # A department's case page sends the matter as it reads it: the reporter's own phone and ID
    # number stand as the placeholders the case's de-identification writes, not the matter's words.
    from tests.search.experience_helpers import index, make_article, make_topic

    from .conftest import make_resident_id

    contact = make_article(
        make_topic("个人信息变更", slug="contact-prec"), "如何变更预留的联系电话和身份证号",
        summary="预留的电话、身份证号有变化的，携带身份证到窗口变更。",
        problem="预留电话和身份证号需要变更", steps="携带身份证原件到窗口办理电话和身份证号变更。",
    )
    index(contact)
    id_number = make_resident_id()
    case = register(window_user, hall, reporter_phone="13800004321", reporter_id_number=id_number,
                    matter=f"前租户未注销，营业执照办不下来，反映人13800004321，{id_number}")
    text = case.deidentify_text(case.matter)
    assert "13800004321" not in text and id_number not in text

    found = similar_cases_and_articles(user=dept_user, text=text)
    assert contact.pk not in [p.id for p in found]
    assert article.pk in [p.id for p in found]
    assert all(not {"电话", "身份证号"} & set(p.matched_terms) for p in found)


def test_a_case_viewed_again_is_answered_from_the_cache_until_the_library_changes(
        engine, window_user, hall, triage_user, market_dept, django_capture_on_commit_callbacks, monkeypatch):
    searches = []
    real_search = type(engine).search
    monkeypatch.setattr(type(engine), "search", lambda self, query: searches.append(query) or real_search(self, query))
    text = "新租的铺位前租户一直没注销企业，营业执照办不下来"

    def precedents():
        searches.clear()
        return [p.id for p in similar_cases_and_articles(user=triage_user, text=text) if p.kind == "case"]

    with django_capture_on_commit_callbacks(execute=True):
        first = _close(register(window_user, hall), triage_user, market_dept)
    assert precedents() == [first.pk] and searches
    assert precedents() == [first.pk] and not searches  # the same matter, the index unchanged

    # A case written into the library is found at the next view.
    with django_capture_on_commit_callbacks(execute=True):
        second = _close(register(window_user, hall), triage_user, market_dept)
    assert sorted(precedents()) == sorted([first.pk, second.pk]) and searches

    # A case that leaves the library leaves the panel at once, from the cached answer too.
    precedents()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reopen(case=first, author=triage_user, reason="申请人反映营业执照仍未办成")
    assert precedents() == [second.pk] and not searches


def test_cases_written_in_bulk_reach_a_panel_answered_from_the_cache(
        engine, window_user, hall, triage_user, market_dept, django_capture_on_commit_callbacks):
    # A ledger import writes its cases' documents in one task, refreshed once at its end.
    from django.db import transaction

    from search import indexing

    text = "新租的铺位前租户一直没注销企业，营业执照办不下来"

    def precedents():
        return sorted(p.id for p in similar_cases_and_articles(user=triage_user, text=text) if p.kind == "case")

    with django_capture_on_commit_callbacks(execute=True):
        first = _close(register(window_user, hall), triage_user, market_dept)
    assert precedents() == [first.pk]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), indexing.batched():
            imported = [_close(register(window_user, hall), triage_user, market_dept) for _ in range(2)]
    assert precedents() == sorted([first.pk, *(c.pk for c in imported)])
