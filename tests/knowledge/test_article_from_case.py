"""Articles drafted from resolved cases (issue 5), knowledge side.

The draft is de-identified, lands in the right topic, is linked to its
source in the page history, enters the moderation workflow, shows the editor
what was replaced, and can never be published - by any path, including the
workflow approval from the dashboard - while a field still holds personal data.
"""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, WorkflowState

from knowledge import services
from knowledge.case_drafts import CaseForDraft, DraftMaterial, draft_from_case
from knowledge.models import Department, Policy, ServiceItem, SolutionArticlePage
from tests.helpers import login

pytestmark = pytest.mark.django_db


CASE = CaseForDraft(
    matter="我是张女士，电话13812345678，身份证310109199003071234。租下的铺位前租户没注销，办不了食品经营许可。",
    resolution_summary="协调前租户完成简易注销后，为申请人提速办理了食品经营许可。如有疑问请拨打12345。",
    service_item="食品经营许可",
    classification="难办",
    counter_failure_reason="同一地址存在未注销企业，系统不能登记。",
    department_replies=[("虹口区市场监督管理局", "已联系前租户，简易注销公示期20日，联系人手机 139 1234 5678。")],
    departments=["虹口区市场监督管理局"],
    policies=["沪市监注〔2021〕58号"],
    materials=[DraftMaterial("前租户信息", True, "微信", "门头照片")],
    known_names=["张丽华"],
)


@pytest.fixture
def draft_page(demo, demo_user):
    draft = draft_from_case(CASE)
    return services.article_draft_from_case_data(
        draft=draft,
        author=demo_user("editor"),
        case_reference="BCS-2026-000001",
        service_items=[ServiceItem.objects.get(name="食品经营许可")],
        departments=[Department.objects.get(slug="hk-scjg")],
        policies=[Policy.objects.get(document_number="沪市监注〔2021〕58号")],
    )


def workflow_action(client, page, action):
    page = Page.objects.get(pk=page.pk)
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk))
    return client.post(url, follow=True)


def test_draft_is_de_identified_in_the_right_topic_and_stays_with_its_editor(draft_page, demo_user):
    page = SolutionArticlePage.objects.get(pk=draft_page.pk)
    assert not page.live
    # The topic where articles on 食品经营许可 already live.
    assert page.get_parent().slug == "qiye-kaiban"
    text = " ".join([page.title, page.summary, page.problem, str(page.steps.raw_data)])
    for secret in ("13812345678", "139 1234 5678", "310109199003071234", "张女士", "【"):
        assert secret not in text
    assert page.problem.startswith("租下的铺位前租户没注销，办不了食品经营许可。")
    assert "12345" in page.summary  # the public hotline survives
    assert page.title == "租下的铺位前租户没注销，办不了食品经营许可怎么办"
    assert page.slug.startswith("zuxia-de-puwei")  # readable: the title in pinyin
    steps = [block.value for block in page.steps]
    assert [block.block_type for block in page.steps] == ["step"] * len(steps)
    assert steps[0]["where"] == "虹口区市场监督管理局" and "简易注销公示期20日" in steps[0]["body"].source
    assert [m.name for m in page.materials.all()] == ["前租户信息"]
    assert page.materials.get().can_supply_later
    assert list(page.departments.values_list("slug", flat=True)) == ["hk-scjg"]
    # Not submitted: the editor finishes it first, and may edit it.
    assert not WorkflowState.objects.filter(object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS).exists()
    edit = login(demo_user("editor")).get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    assert "仅此任务的审核人可以编辑该页面" not in edit
    assert "提交给指引审核流程" in edit


def test_editor_sees_what_was_replaced(draft_page, demo_user):
    html = login(demo_user("editor")).get(reverse("wagtailadmin_pages:edit", args=(draft_page.pk,))).content.decode()
    assert "本草稿由已办结案件起草" in html
    assert "BCS-2026-000001" in html  # staff-only editor view
    assert "手机号" in html and "138***" in html and "【手机号】" in html
    assert "身份证号" in html
    # The page history names the action.
    history = login(demo_user("editor")).get(reverse("wagtailadmin_pages:history", args=(draft_page.pk,)))
    assert "由已办结案件起草" in history.content.decode()


def test_workflow_approval_refuses_to_publish_personal_data(draft_page, demo_user):
    """The final approval from the dashboard publishes without the edit form: it is guarded too."""
    editor = demo_user("editor")
    page = SolutionArticlePage.objects.get(pk=draft_page.pk)
    page.summary = "办结后可拨打申请人电话 021-6123 4567 回访。"
    page.save_revision(user=editor)
    page.get_workflow().start(page, editor)  # the editor submits

    liaison, reviewer = login(demo_user("liaison")), login(demo_user("reviewer"))
    workflow_action(liaison, page, "approve")
    assert Page.objects.get(pk=page.pk).current_workflow_task.name == "审核发布"

    response = workflow_action(reviewer, page, "approve")
    assert response.status_code == 200
    html = response.content.decode()
    assert "不能发布：页面仍含有个人信息（摘要：电话号码）" in html
    page = Page.objects.get(pk=page.pk)
    assert not page.live
    # Nothing half-done: the review task is still waiting for a decision.
    assert page.current_workflow_task.name == "审核发布"

    # Removed: the same approval now publishes.
    page = page.specific
    page.summary = "办结后由窗口回访。"
    page.save_revision(user=editor)
    workflow_action(reviewer, page, "approve")
    page = SolutionArticlePage.objects.get(pk=page.pk)
    assert page.live
    assert Client().get(page.url).status_code == 200


def test_publish_in_code_is_refused_too(draft_page, demo_user):
    from knowledge.publish_guard import PersonalDataPublishRefused

    page = SolutionArticlePage.objects.get(pk=draft_page.pk)
    page.problem += " 联系邮箱 zhang.san@example.com"
    revision = page.save_revision(user=demo_user("reviewer"))
    with pytest.raises(PersonalDataPublishRefused):
        revision.publish(user=demo_user("reviewer"))
    assert not SolutionArticlePage.objects.get(pk=page.pk).live


def test_flag_from_a_case_puts_the_article_on_the_review_list(demo, demo_user):
    article = SolutionArticlePage.objects.get(slug="yingyexing-yanchu-xuke-quancheng-wangban")
    flag = services.article_flag(
        page=article, author=demo_user("editor"), reason="内容有误/需更新：随申办入口已改名。",
        case_reference="BCS-2026-000004",
    )
    assert flag.is_open
    html = login(demo_user("reviewer")).get("/admin/reports/review-due/").content.decode()
    assert "营业性演出许可怎么在“随申办”上全程网办" in html
    assert "BCS-2026-000004" in html and "随申办入口已改名" in html
    edit = login(demo_user("editor")).get(reverse("wagtailadmin_pages:edit", args=(article.pk,))).content.decode()
    assert "随申办入口已改名" in edit


def test_flag_needs_a_reason(demo, demo_user):
    from django.core.exceptions import ValidationError

    article = SolutionArticlePage.objects.first()
    with pytest.raises(ValidationError) as exc:
        services.article_flag(page=article, author=demo_user("editor"), reason="  ")
    assert "请写明需要复核的原因" in str(exc.value)
    assert not article.review_flags.exists()
