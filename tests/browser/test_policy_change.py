"""A liaison registers a policy change; the content it touches comes up for review.

The 市场监管局 liaison registers that the 容缺受理 rules were revised, adding the new
policy from the change form. The change page lists what it flagged and the drafted
guide, which the liaison previews; the old policy stays in force until the new one's
effective date, when the daily job switches it (time travel through the job's date,
not sleeping). An editor finds the articles citing the old rules in 待复核指引, and the
drafted guide waits on the liaison's own dashboard for 部门会签.
"""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from knowledge import demo
from knowledge.models import Policy, PolicyChange, SolutionArticlePage
from tests.browser.test_editorial import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_TITLE = "上海市政务服务容缺受理工作办法（2026年修订）"


def test_liaison_registers_a_change_with_a_new_policy_which_takes_effect_on_its_date(live_server, browser_page):
    demo.load()
    old_policy = Policy.objects.get(document_number="沪府办规〔2023〕12号")
    cited = SolutionArticlePage.objects.live().filter(policies=old_policy).first()
    assert cited is not None
    effective = timezone.localdate() + datetime.timedelta(days=10)
    page = browser_page

    log_in(page, "liaison")
    page.get_by_role("link", name="政策变化登记").first.click()
    page.goto("/admin/policy_changes/new/")
    page.locator("#id_old_policy").select_option(str(old_policy.pk))
    # The new policy is not on file yet: it is added from the same form.
    page.locator("#id_new_policy_title").fill(NEW_TITLE)
    page.locator("#id_new_policy_document_number").fill("沪府办规〔2026〕3号")
    page.locator("#id_new_policy_issuing_body").fill("上海市人民政府办公厅")
    page.locator("#id_new_policy_summary").fill("扩大容缺受理事项清单，增加“一网通办”在线补交。")
    page.locator("#id_effective_date").fill(effective.isoformat())
    page.locator("#id_service_items").select_option(label="法定代表人变更登记")
    # A liaison speaks for their own department only.
    expect(page.locator("#id_department option")).to_have_count(1)
    expect(page.locator("#id_department")).to_contain_text("虹口区市场监督管理局")
    page.locator("#id_note").fill("容缺事项清单扩大，增加在线补交。")
    page.get_by_role("button", name=re.compile("创建|保存")).first.click()
    expect(page.locator(".messages")).to_contain_text("篇指引已标记为待复核，已创建衔接指引草稿并提交审核")

    change = PolicyChange.objects.get()
    assert change.department.slug == "hk-scjg"
    assert change.new_policy.title == NEW_TITLE and change.new_policy.effective_date == effective
    # The change's own page: what it flagged, with links, and the drafted guide.
    flagged = page.locator("[data-testid=change-flags]")
    expect(flagged.get_by_role("link", name=cited.title)).to_be_visible()
    expect(page.locator("[data-testid=change-pending]")).to_contain_text("才会显示为“已被替代”")
    guide_title = change.guide.title
    expect(page.get_by_role("link", name=guide_title)).to_be_visible()

    # The liaison previews the drafted guide before signing it.
    with page.context.expect_page() as preview_tab:
        page.get_by_role("link", name="预览").click()
    preview = preview_tab.value
    preview.wait_for_load_state()
    expect(preview.get_by_role("heading", level=1)).to_have_text(guide_title)
    expect(preview.locator("table.compare")).to_contain_text("沪府办规〔2026〕3号")
    expect(preview.locator("#related")).to_be_visible()
    preview.close()
    page.goto("/admin/")
    expect(page.locator("main")).to_contain_text(guide_title)  # waiting for this liaison's 部门会签

    # Until the effective date the old policy is still the rule readers follow.
    page.goto(f"/policies/{old_policy.pk}/")
    expect(page.locator(".policy-meta")).to_contain_text("现行有效")
    # The daily job on the day before changes nothing; on the effective date it switches.
    call_command("apply_policy_changes", date=(effective - datetime.timedelta(days=1)).isoformat())
    page.reload()
    expect(page.locator(".policy-meta")).to_contain_text("现行有效")
    call_command("apply_policy_changes", date=effective.isoformat())
    page.reload()
    expect(page.locator(".policy-meta")).to_contain_text("已被替代")
    expect(page.locator(".policy-status-notice")).to_contain_text(NEW_TITLE)

    log_in(page, "editor")
    page.goto("/admin/reports/review-due/")
    expect(page.locator("main")).to_contain_text(cited.title)
