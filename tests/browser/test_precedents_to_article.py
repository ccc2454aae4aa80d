"""From one case to a class of cases, in real Chromium (issue 5, "Done when").

A 窗口人员 types a matter like a demo case and the precedent panel shows that
case and the article that resolved it. Once the new case is closed, an editor
drafts an article from it (built from the case, and left with the editor), sees
what was de-identified and edits it; while a phone number remains the article
cannot go on towards publication; the editor removes it and submits, the liaison
previews and countersigns, a reviewer previews and publishes, and the public
search finds the article. (The reviewer's own
approval is guarded as well: tests/knowledge/test_article_from_case.py.)
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from knowledge.demo import DEMO_PASSWORD
from knowledge.models import Department, SolutionArticlePage

from .admin_session import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_ARTICLE = "租下的铺位前租户没注销，新店办不了证照怎么办"
MATTER = "我在商场租了个铺位想开奶茶店，可是铺位原来的租户公司一直没注销，营业执照办不下来。我的电话13912345678。"
NEW_TITLE = "商场铺位前租户公司未注销，新开奶茶店办不了营业执照怎么办"
DRAFT_TITLE = "营业执照设立登记：铺位原来的租户公司一直没注销，营业执照办不下来怎么办"


def log_in(page, username):
    sign_in(page, username, DEMO_PASSWORD)


def footer_action(page, name):
    """Click an action in the editor's footer, opening its dropdown if needed."""
    button = page.locator("footer").get_by_role("button", name=name).first
    if not button.is_visible():
        page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    button.click()
    # Wagtail's concurrent-editing check may ask to confirm (the cancelled
    # workflow saved a revision in this same session); confirm the action.
    dialog = page.get_by_role("dialog").get_by_role("button", name=name)
    try:
        dialog.click(timeout=2_000)
    except PlaywrightTimeoutError:  # no confirmation asked
        pass


def preview_as_reviewer(page, article):
    """The workflow task's 预览 (what the liaison signs and the reviewer publishes)."""
    from django.urls import reverse
    from wagtail.models import Page

    task_state = Page.objects.get(pk=article.pk).current_workflow_task_state
    response = page.goto(reverse("wagtailadmin_pages:workflow_preview", args=(article.pk, task_state.task_id)))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    expect(page.locator("ol.steps")).to_contain_text("简易注销")
    expect(page.locator("body")).not_to_contain_text("13912345678")


def test_precedents_at_intake_then_article_from_the_closed_case(live_server, browser_page):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    page = browser_page
    restaurant = Case.objects.get(idempotency_key="demo-hk-restaurant")

    # 1. 窗口人员 types the matter; the panel shows the demo case and its article.
    log_in(page, "window")
    page.goto("/admin/cases/case/new/")
    page.locator("#id_matter").fill(MATTER)
    panel = page.locator("[data-testid=precedents]")
    expect(panel).to_contain_text(restaurant.tracking_number, timeout=30_000)
    case_item = panel.locator("li[data-kind=case]", has_text=restaurant.tracking_number)
    expect(case_item).to_contain_text("办成")  # its outcome
    expect(case_item.locator(".precedent-article")).to_contain_text(DEMO_ARTICLE)  # and its article
    expect(case_item.locator("mark").first).to_be_visible()  # why it matched
    expect(panel.locator("li[data-kind=article]", has_text=DEMO_ARTICLE)).to_be_visible()
    # A suggestion from past triage decisions, with its confidence; nothing is applied.
    expect(page.locator("[data-suggestion]")).to_contain_text("置信度")
    # The typed phone number never reaches the panel.
    expect(panel).not_to_contain_text("13912345678")

    # The clerk registers it.
    page.select_option("#id_channel", "counter")
    page.select_option("#id_service_item", label="营业执照设立登记")
    page.locator("#id_reporter_name").fill("钱某某")
    page.locator("#id_reporter_phone").fill("13912345678")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已受理登记")
    case = Case.objects.filter(reporter_name="钱某某").get()

    # On the case page, one click links the article, another quotes its steps to the reporter.
    article_item = page.locator("[data-testid=precedents] li[data-kind=article]", has_text=DEMO_ARTICLE)
    article_item.get_by_role("button", name="这篇指引解决了").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    expect(page.locator("[data-testid=article-links]")).to_contain_text(DEMO_ARTICLE)
    article_item = page.locator("[data-testid=precedents] li[data-kind=article]", has_text=DEMO_ARTICLE)
    article_item.get_by_role("button", name="引用办理步骤").click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("到“办不成事”反映窗口登记")
    # Let the case page's panel requests finish: SQLite (tests) locks tables
    # while the live server reads, and the next steps write from this thread.
    page.wait_for_load_state("networkidle")

    # 2. The case is triaged, dispatched, replied to and closed (the loop itself is issue 4's test).
    triage = case.created_by.__class__.objects.get(username="triage")
    dept = case.created_by.__class__.objects.get(username="dept")
    market = Department.objects.get(name="虹口区市场监督管理局")
    services.case_triage(case=case, author=triage, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage, lead_department=market, lead_task="协调前租户办理简易注销")
    services.dispatch_reply(dispatch=case.dispatches.get(), author=dept,
                            reply="前租户已完成简易注销，新商户营业执照已提速办理。")
    services.case_close(case=case, author=triage, outcome=Case.Outcome.DONE,
                        resolution_summary="协调前租户完成简易注销后，为申请人提速办理了营业执照。")

    # 3. The editor drafts an article from the closed case and sees what was replaced.
    log_in(page, "editor")
    page.goto(f"/admin/cases/case/inspect/{case.pk}/")
    expect(page.get_by_text("13912345678")).to_have_count(0)  # masked for editors
    page.locator("#action-draft_article summary").click()
    page.locator("#action-draft_article button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    origin = page.locator("[data-testid=article-origin]")
    expect(origin).to_contain_text("本草稿由已办结案件起草")
    expect(origin).to_contain_text("草稿只在您这里")
    expect(origin.locator("[data-testid=deid-replacements]")).to_contain_text("手机号")
    expect(origin.locator("[data-testid=deid-replacements]")).to_contain_text("139***")
    # Built from the case, in a reader's words: the matter as title, the reply as a numbered step.
    expect(page.locator("#id_title")).to_have_value(DRAFT_TITLE)
    expect(page.locator("#id_problem")).not_to_contain_text("13912345678")
    expect(page.locator("#id_problem")).not_to_contain_text("【")
    # The editor's side requests share the test's SQLite connection: let them finish first.
    page.wait_for_load_state("networkidle")
    article = SolutionArticlePage.objects.get(pk=int(re.search(r"/pages/(\d+)/edit/", page.url).group(1)))
    assert not article.live and article.get_parent().slug == "qiye-kaiban"
    assert article.slug.startswith("yingyezhizhao-shelidengji")
    assert [b.block_type for b in article.steps] == ["step", "step"]
    assert article.steps[0].value["where"] == "虹口区市场监督管理局"
    # It stays with the editor, unlocked, until they submit it.
    assert article.current_workflow_task is None
    expect(page.locator("body")).not_to_contain_text("仅此任务的审核人可以编辑该页面")

    page.reload()
    page.wait_for_load_state("networkidle")

    # 4. The editor retitles it and pastes the reporter's number back in by mistake:
    # submitting for publication is refused while the phone number remains.
    page.locator("#id_title").fill(NEW_TITLE)
    page.locator("#id_summary").fill("前租户未注销时，可到“办不成事”窗口协调简易注销。回访电话 139 1234 5678。")
    footer_action(page, re.compile("提交给指引审核流程"))
    expect(page.locator("body")).to_contain_text("此处仍含有个人信息（手机号）")
    article.refresh_from_db()
    assert not article.live and article.current_workflow_task is None

    # 5. The editor removes it and submits; 部门联络员 previews and countersigns; the
    # reviewer previews and publishes.
    page.locator("#id_summary").fill("前租户未注销时，可到“办不成事”窗口协调简易注销，再提速办理营业执照。")
    footer_action(page, re.compile("提交给指引审核流程"))
    expect(page.locator(".messages")).to_contain_text(NEW_TITLE)
    article.refresh_from_db()
    assert article.current_workflow_task.name == "部门会签"

    log_in(page, "liaison")
    preview_as_reviewer(page, article)
    page.goto(f"/admin/pages/{article.pk}/edit/")
    footer_action(page, re.compile(r"^\s*会签通过\s*$"))
    expect(page.locator(".messages")).to_contain_text(NEW_TITLE)

    log_in(page, "reviewer")
    preview_as_reviewer(page, article)
    page.goto(f"/admin/pages/{article.pk}/edit/")
    footer_action(page, re.compile(r"^\s*批准\s*并发布\s*$"))
    expect(page.locator(".messages")).to_contain_text(NEW_TITLE)
    article.refresh_from_db()
    assert article.live

    # 6. The public search finds it; no personal data on the public page.
    sign_out(page)
    page.goto("/search/?q=" + "前租户公司未注销 奶茶店 营业执照")
    result = page.get_by_role("link", name=NEW_TITLE)
    expect(result).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    body = page.locator("main")
    expect(body).not_to_contain_text("13912345678")
    expect(body).not_to_contain_text("钱某某")
    expect(body).not_to_contain_text(case.tracking_number)
