"""An article goes from 编辑 through 部门会签 and 审核发布 to the public site."""

import re

import pytest
from playwright.sync_api import expect

from knowledge import demo
from knowledge.models import SolutionArticlePage, TopicIndexPage

from .admin_session import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "个体工商户歇业期满前恢复营业怎么办"


def log_in(page, username):
    sign_in(page, username, demo.DEMO_PASSWORD)


def footer_action(page, name):
    """Click an action in the editor's footer, opening its dropdown if needed."""
    button = page.get_by_role("button", name=name).first
    if not button.is_visible():
        page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    button.click()


def test_editor_submits_liaison_countersigns_reviewer_publishes(live_server, browser_page):
    demo.load()
    page = browser_page
    topic = TopicIndexPage.objects.get(slug="qiye-kaiban")

    # 编辑 drafts under a topic and submits it into the workflow.
    log_in(page, "editor")
    page.goto(f"/admin/pages/{topic.pk}/add_subpage/")
    page.get_by_role("link", name="办事指引", exact=True).click()
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("歇业期满前可在网上申请恢复营业，不必重新办理营业执照。")
    page.locator("#id_problem").fill("我的小店办了歇业备案，现在想提前恢复营业，要重新办执照吗？")
    footer_action(page, re.compile("提交给指引审核流程"))
    expect(page.locator(".messages")).to_contain_text(TITLE)
    article = SolutionArticlePage.objects.get(title=TITLE)
    assert not article.live
    assert article.current_workflow_task.name == "部门会签"

    # Nobody outside sees it yet.
    anonymous = page.context.browser.new_context(base_url=live_server.url, locale="zh-CN")
    reader = anonymous.new_page()
    assert reader.goto(article.url).status == 404

    # 部门联络员 countersigns.
    log_in(page, "liaison")
    page.goto(f"/admin/pages/{article.pk}/edit/")
    footer_action(page, re.compile(r"^\s*会签通过\s*$"))
    expect(page.locator(".messages")).to_contain_text(TITLE)
    article.refresh_from_db()
    assert article.current_workflow_task.name == "审核发布"
    assert not article.live

    # 审核 approves, which publishes (the last step's button says so).
    log_in(page, "reviewer")
    page.goto(f"/admin/pages/{article.pk}/edit/")
    footer_action(page, re.compile(r"^\s*批准\s*并发布\s*$"))
    expect(page.locator(".messages")).to_contain_text(TITLE)
    article.refresh_from_db()
    assert article.live

    # The reader finds it on the topic page and opens it.
    reader.goto(topic.url)
    reader.get_by_role("link", name=TITLE).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    anonymous.close()


def test_editor_sees_the_draft_in_the_preview_panel_beside_the_form(live_server, browser_page):
    """The page's own policy (frame-ancestors 'none') came along with Wagtail's preview and
    Chromium refused to show it in the editor's panel ("127.0.0.1 refused to connect")."""
    demo.load()
    page = browser_page
    article = SolutionArticlePage.objects.live().order_by("pk").first()

    log_in(page, "editor")
    page.goto(f"/admin/pages/{article.pk}/edit/")
    page.locator("button[data-side-panel-toggle=preview]").click()
    preview = page.frame_locator("[data-preview-iframe], #w-preview-iframe, iframe").first
    expect(preview.get_by_role("heading", level=1)).to_have_text(article.title)

    # Anyone else's site still may not frame the public page.
    response = page.request.get(article.url)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
