"""Case <-> article links (issue 5): link it, quote it, flag it, draft from it."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.rich_text import RichText

from cases import selectors, services
from cases.models import Case, CaseArticleLink, TimelineEntry
from knowledge.models import ArticleReviewFlag, SolutionArticlePage
from tests.search.experience_helpers import make_article, make_topic

from .conftest import PASSWORD, register
from tests.helpers import login, shown_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(db):
    return make_topic("企业开办与变更", slug="qiye-kaiban")


@pytest.fixture
def article(topic, food_item):
    page = make_article(topic, "租下的铺位前租户没注销，新店办不了证照怎么办", summary="协调前租户完成简易注销。",
                        slug="qianzuhu")
    page.steps = [
        ("step", {"title": "到“办不成事”反映窗口登记", "body": RichText("<p>带上租赁合同。</p>"),
                  "where": "区政务服务中心", "time_limit": ""}),
        ("step", {"title": "前租户完成简易注销", "body": RichText("<p>公示期 20 日。</p>"),
                  "where": "", "time_limit": ""}),
    ]
    page.service_items = [food_item]
    page.save_revision().publish()
    return SolutionArticlePage.objects.get(pk=page.pk)


@pytest.fixture
def closed_case(dispatched_case, triage_user, dept_user, food_item):
    case = dispatched_case
    Case.objects.filter(pk=case.pk).update(
        service_item=food_item,
        matter="我是张某某，电话13800001234。租下铺位开店，前租户没注销，我办不了食品经营许可。",
    )
    for dispatch in case.dispatches.all():
        services.dispatch_reply(dispatch=dispatch, author=dept_user, reply="已联系前租户完成简易注销，公示期20日。")
    services.case_close(case=case, author=triage_user, outcome=Case.Outcome.DONE,
                        resolution_summary="协调前租户完成简易注销，新商户已办好食品经营许可。")
    case.refresh_from_db()
    return case


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password=PASSWORD)
    user.groups.add(Group.objects.get(name="编辑"))
    return user


def test_link_counts_cases_on_the_article_and_shows_on_the_case(closed_case, article, triage_user, window_user, hall):
    link = services.case_link_article(case=closed_case, page=article, author=triage_user)
    assert link.relation == CaseArticleLink.Relation.RESOLVED_BY
    # Idempotent: the same link twice is one link and one count.
    services.case_link_article(case=closed_case, page=article, author=triage_user)
    article.refresh_from_db()
    assert article.source_case_count == 1
    other = register(window_user, hall, reporter_phone="13900009999")
    services.case_link_article(case=other, page=article, author=window_user)
    article.refresh_from_db()
    assert article.source_case_count == 2
    assert closed_case.timeline.filter(kind=TimelineEntry.Kind.ARTICLE, text__contains=article.title).exists()

    # The public article shows the count, never who.
    html = Client().get(article.url).content.decode()
    assert "已帮助 2 件同类事项" in html
    assert closed_case.tracking_number not in html and "张某某" not in html

    # The case page lists the articles used.
    page = login(triage_user).get(reverse("cases:inspect", args=[closed_case.pk])).content.decode()
    assert "租下的铺位前租户没注销，新店办不了证照怎么办" in page
    assert "该指引解决了本案" in page


def test_count_survives_republishing_the_article(closed_case, article, triage_user):
    services.case_link_article(case=closed_case, page=article, author=triage_user)
    article.refresh_from_db()
    article.summary = "协调前租户完成简易注销后提速办证。"
    article.save_revision().publish()
    article.refresh_from_db()
    assert article.source_case_count == 1


def test_only_published_guidance_can_be_linked(closed_case, topic, triage_user):
    draft = make_article(topic, "尚未发布的指引", live=False, slug="draft-only")
    with pytest.raises(ValidationError) as exc:
        services.case_link_article(case=closed_case, page=draft, author=triage_user)
    assert "只能关联已发布的指引" in str(exc.value)
    assert not CaseArticleLink.objects.exists()


def test_quote_sends_the_steps_to_the_reporter(case, article, window_user):
    entry = services.case_quote_article_steps(case=case, page=article, author=window_user)
    assert entry.visible_to_reporter
    assert "1. 到“办不成事”反映窗口登记：带上租赁合同。（区政务服务中心）" in entry.text
    assert "2. 前租户完成简易注销：公示期 20 日。" in entry.text
    # The reporter reads it on the status page.
    texts = [e.text for e in selectors.reporter_timeline(case)]
    assert any("租下的铺位前租户没注销" in t for t in texts)
    assert CaseArticleLink.objects.get(case=case).relation == CaseArticleLink.Relation.QUOTED
    article.refresh_from_db()
    assert article.source_case_count == 0  # quoting is not resolving


def test_flag_it_puts_the_article_on_the_review_list_with_the_case_reference(case, article, window_user, editor):
    services.case_flag_article(case=case, page=article, author=window_user, reason="内容有误/需更新：公示期已改为10日。")
    flag = ArticleReviewFlag.objects.get(page=article)
    assert flag.case_reference == case.tracking_number
    html = login(editor).get("/admin/reports/review-due/").content.decode()
    assert "公示期已改为10日" in html and case.tracking_number in html
    with pytest.raises(ValidationError):
        services.case_flag_article(case=case, page=article, author=window_user, reason=" ")


def test_case_page_buttons_link_quote_and_flag(closed_case, article, triage_user):
    client = login(triage_user)
    url = reverse("cases:inspect", args=[closed_case.pk])
    response = client.post(url, {**shown_version(closed_case), "action": "link_article", "link_article-page": article.pk})
    assert response.status_code == 302
    assert CaseArticleLink.objects.filter(case=closed_case, relation="resolved_by").exists()
    response = client.post(url, {**shown_version(closed_case), "action": "flag_article", "flag_article-page": article.pk,
                                 "flag_article-reason": "内容有误/需更新：地址变了。"})
    assert response.status_code == 302
    assert ArticleReviewFlag.objects.filter(page=article, case_reference=closed_case.tracking_number).exists()
    # Bad input: a clear message, nothing saved.
    response = client.post(url, {**shown_version(closed_case), "action": "flag_article", "flag_article-page": article.pk, "flag_article-reason": ""})
    assert response.status_code == 400
    assert ArticleReviewFlag.objects.count() == 1


def test_draft_from_a_closed_case(closed_case, article, editor, triage_user):
    page = services.article_draft_from_case(case=closed_case, author=editor)
    page = SolutionArticlePage.objects.get(pk=page.pk)
    assert not page.live
    assert page.get_parent().slug == "qiye-kaiban"  # where 食品经营许可 articles live
    text = " ".join([page.title, page.summary, page.problem, str(page.steps.raw_data)])
    assert "13800001234" not in text and "张某某" not in text
    assert page.problem.startswith("租下铺位开店，前租户没注销，我办不了食品经营许可。") and "【" not in page.problem
    assert page.title == "租下铺位开店，前租户没注销，办不了食品经营许可怎么办"
    steps = [b.value for b in page.steps]
    assert steps[0]["title"] == "联系前租户完成简易注销" and set(steps[0]["where"].split("、")) == {"虹口区市场监督管理局", "虹口区税务局"}
    assert list(page.service_items.values_list("name", flat=True)) == ["食品经营许可"]
    assert set(page.departments.values_list("name", flat=True)) == {"虹口区市场监督管理局", "虹口区税务局"}
    assert CaseArticleLink.objects.get(case=closed_case, page=page).relation == "drafted_from"
    # The draft stays with its editor until they submit it.
    assert not WorkflowState.objects.filter(object_id=str(page.pk), status="in_progress").exists()
    assert closed_case.timeline.filter(text__contains="起草办事指引").exists()
    # The editor sees what was replaced.
    html = login(editor).get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    assert "手机号" in html and "138***" in html and closed_case.tracking_number in html


def test_open_cases_cannot_be_drafted_from(case, editor, topic):
    with pytest.raises(ValidationError) as exc:
        services.article_draft_from_case(case=case, author=editor)
    assert "案件办结后才能起草办事指引" in str(exc.value)
    assert not SolutionArticlePage.objects.filter(live=False).exists()


def test_editor_drafts_from_the_case_library_but_sees_no_open_case(closed_case, case, editor, topic, window_user, hall):
    open_case = register(window_user, hall, reporter_phone="13900008888", matter="另一件还在办理中的事")
    client = login(editor)
    assert client.get(reverse("cases:inspect", args=[open_case.pk])).status_code == 404
    page = client.get(reverse("cases:inspect", args=[closed_case.pk])).content.decode()
    assert "起草办事指引" in page
    assert "13800001234" not in page  # masked for editors
    response = client.post(reverse("cases:inspect", args=[closed_case.pk]), {**shown_version(closed_case), "action": "draft_article"})
    assert response.status_code == 302
    draft = SolutionArticlePage.objects.get(live=False)
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=(draft.pk,))


def test_draft_goes_under_the_topic_of_the_guide_that_solved_the_case(case, topic, editor, triage_user):
    """A case with no service item or department: its draft used to land in the first topic."""
    elsewhere = make_topic("办事咨询与转办", slug="zixun-zhuanban")
    solving = make_article(elsewhere, "小区停车难这类问题该找谁反映", slug="tingche")
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="other")
    services.case_close(case=case, author=triage_user, outcome=Case.Outcome.DONE, resolution_summary="已告知办理途径。")
    case.refresh_from_db()
    services.case_link_article(case=case, page=solving, author=triage_user)
    page = services.article_draft_from_case(case=case, author=editor)
    assert page.get_parent().slug == "zixun-zhuanban"
