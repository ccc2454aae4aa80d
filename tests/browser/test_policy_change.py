"""A liaison registers a policy change; the content it touches comes up for review.

The 市场监管局 liaison registers that the 容缺受理 rules were revised. Afterwards
an editor finds the articles citing the old rules in 待复核指引, and the drafted
transition guide waits on the liaison's own dashboard for 部门会签.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledge import demo
from knowledge.models import Policy, PolicyChange, SolutionArticlePage
from tests.browser.test_editorial import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_TITLE = "上海市政务服务容缺受理工作办法（2026年修订）"


def test_liaison_registers_a_change_and_the_cited_articles_come_up_for_review(live_server, browser_page):
    demo.load()
    new_policy = Policy.objects.create(
        title=NEW_TITLE,
        issuing_body="上海市人民政府办公厅",
        document_number="沪府办规〔2026〕3号",
        effective_date=timezone.localdate() - datetime.timedelta(days=10),
        summary="扩大容缺受理事项清单，增加“一网通办”在线补交。",
    )
    old_policy = Policy.objects.get(document_number="沪府办规〔2023〕12号")
    cited = SolutionArticlePage.objects.live().filter(policies=old_policy).first()
    assert cited is not None
    page = browser_page

    log_in(page, "liaison")
    page.get_by_role("link", name="政策变化登记").first.click()
    page.goto("/admin/policy_changes/new/")
    page.locator("#id_old_policy").select_option(str(old_policy.pk))
    page.locator("#id_new_policy").select_option(str(new_policy.pk))
    page.locator("#id_effective_date").fill(new_policy.effective_date.isoformat())
    page.locator("#id_service_items").select_option(label="法定代表人变更登记")
    # A liaison speaks for their own department only.
    expect(page.locator("#id_department option")).to_have_count(1)
    expect(page.locator("#id_department")).to_contain_text("虹口区市场监督管理局")
    page.locator("#id_note").fill("容缺事项清单扩大，增加在线补交。")
    page.get_by_role("button", name=re.compile("创建|保存")).first.click()
    expect(page.locator(".messages")).to_contain_text("篇指引已标记为待复核，已创建衔接指引草稿并提交审核")

    change = PolicyChange.objects.get()
    assert change.department.slug == "hk-scjg"
    guide_title = change.guide.title
    page.goto("/admin/")
    expect(page.locator("main")).to_contain_text(guide_title)  # waiting for this liaison's 部门会签

    log_in(page, "editor")
    page.goto("/admin/reports/review-due/")
    expect(page.locator("main")).to_contain_text(cited.title)
