"""A department liaison registers a policy change (issue 5).

The right published articles and guides are flagged "needs review" with the
reason (and the unrelated ones are not), a draft transition guide enters the
workflow, and the guide's editor view counts the cases that still mention the
old policy after the change.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, WorkflowState

from knowledge import services
from knowledge.models import (
    ArticleReviewFlag,
    Department,
    Policy,
    PolicyChange,
    PolicyTransitionGuidePage,
    ServiceItem,
    SolutionArticlePage,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db

FLAGGED = {
    # cite 沪府办规〔2023〕12号 and handle 法定代表人变更登记
    "fading-daibiaoren-biangeng-shenfenzheng-yuanjian-rongque",
    "rongque-shouli-cailiao-zenme-bu",
    # the earlier transition guide whose new policy is now the old one
    "rongque-shouli-shixing-zhuan-changtai",
}
NOT_FLAGGED = {
    "qianzuhu-weizhuxiao-banbuliao-zhengzhao",
    "gudong-shilian-15wei-shenfenzheng-zhuxiao",
    "yingyexing-yanchu-xuke-quancheng-wangban",
    "lianzufang-butie-buhege-dabing-kunnan-bangfu",
    "xiaoqu-tingche-nan-zhao-shei",
    "yingyexing-yanchu-xuke-wangban-xianjie",
}


@pytest.fixture
def rongque(demo):
    return Policy.objects.get(document_number="沪府办规〔2023〕12号")


@pytest.fixture
def new_rongque(demo):
    return Policy.objects.create(
        title="上海市政务服务容缺受理工作办法（2026年修订）",
        issuing_body="上海市人民政府办公厅",
        document_number="沪府办规〔2026〕3号",
        effective_date=timezone.localdate() - datetime.timedelta(days=10),
        summary="扩大容缺受理事项清单，增加“一网通办”在线补交。",
    )


@pytest.fixture
def change(demo, demo_user, rongque, new_rongque):
    return services.policy_change_register(
        old_policy=rongque,
        new_policy=new_rongque,
        effective_date=new_rongque.effective_date,
        transition_end=new_rongque.effective_date + datetime.timedelta(days=60),
        service_items=[ServiceItem.objects.get(name="法定代表人变更登记")],
        tags=["容缺受理修订"],
        author=demo_user("liaison"),
    )


def flagged_slugs(change):
    return {Page.objects.get(pk=f.page_id).slug for f in change.flags.all()}


def test_register_flags_the_right_content_and_not_the_unrelated(change, rongque, new_rongque):
    slugs = flagged_slugs(change)
    assert FLAGGED <= slugs
    assert not (NOT_FLAGGED & slugs)
    article = SolutionArticlePage.objects.get(slug="fading-daibiaoren-biangeng-shenfenzheng-yuanjian-rongque")
    reason = ArticleReviewFlag.objects.get(page=article, policy_change=change).reason
    assert "引用了本次政策变化的原政策《上海市政务服务容缺受理工作办法》" in reason
    assert "涉及政策变化影响的事项：法定代表人变更登记" in reason
    assert "新政策《上海市政务服务容缺受理工作办法（2026年修订）》" in reason
    # The old policy now says what replaced it.
    rongque.refresh_from_db()
    assert rongque.status == Policy.Status.SUPERSEDED
    assert rongque.superseded_by == new_rongque


def test_register_creates_a_guide_draft_in_the_workflow(change, rongque, new_rongque):
    guide = change.guide
    assert isinstance(guide.specific, PolicyTransitionGuidePage)
    guide = guide.specific
    assert not guide.live
    assert guide.old_policy == rongque and guide.new_policy == new_rongque
    assert guide.effective_date == new_rongque.effective_date
    assert "容缺受理工作办法（2026年修订）" in guide.title
    # Next to the earlier guide on the same policy.
    assert guide.get_parent().slug == "rongque-shouli"
    assert set(guide.tags.names()) == {"容缺受理修订"}
    related = {p.slug for p in guide.related_articles.all()}
    assert "rongque-shouli-cailiao-zenme-bu" in related
    state = WorkflowState.objects.get(object_id=str(guide.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.current_task_state.task.name == "部门会签"
    # A draft is not public.
    assert Client().get(f"/rongque-shouli/{guide.slug}/").status_code == 404


def test_flags_show_in_the_review_report_with_their_reason(change, demo_user):
    html = login(demo_user("reviewer")).get("/admin/reports/review-due/").content.decode()
    assert "容缺受理后，缺的材料怎么补" in html
    assert "引用了本次政策变化的原政策" in html
    assert "营业性演出许可怎么在“随申办”上全程网办" not in html
    # Beside a long reason the dates stay on one line (they wrapped to "2027-10-" / "02").
    assert re.search(r'<td valign="top" style="white-space: nowrap"><strong>\d{4}-\d{2}-\d{2}</strong></td>', html)


def test_publishing_the_reviewed_page_closes_its_flag(change, demo_user):
    reviewer = demo_user("reviewer")
    article = SolutionArticlePage.objects.get(slug="rongque-shouli-cailiao-zenme-bu")
    assert article.review_flags.filter(resolved_at__isnull=True).count() == 1
    article.summary = article.summary + "（已按 2026 年修订办法复核）"
    article.save_revision(user=reviewer).publish(user=reviewer)
    flag = ArticleReviewFlag.objects.get(page=article, policy_change=change)
    assert flag.resolved_at is not None and flag.resolved_by == reviewer
    html = login(reviewer).get("/admin/reports/review-due/").content.decode()
    assert "容缺受理后，缺的材料怎么补" not in html


def test_guide_editor_view_counts_cases_mentioning_the_old_policy_after_the_change(change, demo_user):
    from cases import services as case_services
    from knowledge.models import District

    hongkou = District.objects.get(code="hongkou")
    now = timezone.now()

    def register(matter, days_ago):
        return case_services.case_register(
            author=None, channel="counter", district=hongkou, reporter_name="某某",
            reporter_phone="13800009999", matter=matter, created_at=now - datetime.timedelta(days=days_ago),
        )

    register("窗口说按沪府办规〔2023〕12号不能容缺，新办法又说可以，到底按哪个？", 3)
    register("按《上海市政务服务容缺受理工作办法》办的变更，补交期限怎么算？", 2)
    register("按沪府办规〔2023〕12号容缺受理的，现在还有效吗？", 30)  # before the change
    register("小区停车难，晚上找不到车位。", 1)  # unrelated
    html = login(demo_user("reviewer")).get(
        reverse("wagtailadmin_pages:edit", args=(change.guide_id,))
    ).content.decode()
    assert "施行日后新登记、仍提到原政策的案件：2 件" in html
    assert "本指引由政策变化登记生成" in html


def test_liaison_registers_a_change_in_the_admin(demo, demo_user, rongque, new_rongque):
    client = login(demo_user("liaison"))
    form = client.get(reverse("policy_changes:add"))
    assert form.status_code == 200
    # The affected items are a multiple select: the form says how to choose more than one.
    assert "可多选：按住 Ctrl" in form.content.decode()
    item = ServiceItem.objects.get(name="法定代表人变更登记")
    response = client.post(
        reverse("policy_changes:add"),
        {
            "old_policy": rongque.pk,
            "new_policy": new_rongque.pk,
            "effective_date": new_rongque.effective_date.isoformat(),
            "transition_end": "",
            "service_items": [item.pk],
            "tags": "",
            "department": "",
            "note": "容缺事项清单扩大。",
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    change = PolicyChange.objects.get()
    assert "篇指引已标记为待复核，已创建衔接指引草稿并提交审核" in html
    # No "编辑" button in the message: a registered change is a record, not edited.
    message = html.split("篇指引已标记为待复核", 1)[1].split("</li>", 1)[0]
    assert "编辑" not in message and "<a" not in message
    assert FLAGGED <= flagged_slugs(change)
    assert change.registered_by.username == "liaison"
    assert change.guide is not None


def test_bad_change_is_refused_with_a_chinese_message_and_nothing_saved(demo, demo_user, rongque):
    client = login(demo_user("liaison"))
    pages_before = Page.objects.count()
    response = client.post(
        reverse("policy_changes:add"),
        {
            "old_policy": rongque.pk,
            "new_policy": rongque.pk,
            "effective_date": "2026-01-01",
            "transition_end": "2025-01-01",
            "tags": "",
            "note": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "新政策与原政策不能是同一文件。" in html
    assert "过渡期截止日期不能早于新政策施行日期。" in html
    assert PolicyChange.objects.count() == 0
    assert ArticleReviewFlag.objects.count() == 0
    assert Page.objects.count() == pages_before
    rongque.refresh_from_db()
    assert rongque.status == Policy.Status.CURRENT


def test_editor_cannot_register_policy_changes(demo, demo_user):
    response = login(demo_user("editor")).get(reverse("policy_changes:add"))
    assert response.status_code in (302, 403)


def test_registered_changes_are_listed_and_inspected_not_edited(change, demo_user):
    from django.urls import NoReverseMatch

    client = login(demo_user("reviewer"))
    listing = client.get(reverse("policy_changes:index")).content.decode()
    assert "上海市政务服务容缺受理工作办法（2026年修订）" in listing
    inspect = client.get(reverse("policy_changes:inspect", args=(change.pk,)))
    assert inspect.status_code == 200
    assert "沪府办规〔2026〕3号" in inspect.content.decode()
    with pytest.raises(NoReverseMatch):
        reverse("policy_changes:edit", args=(change.pk,))


def test_liaison_registers_for_their_own_department_only(demo, demo_user, rongque, new_rongque):
    client = login(demo_user("liaison"))
    form = client.get(reverse("policy_changes:add")).content.decode()
    assert "虹口区市场监督管理局" in form
    assert "虹口区医疗保障局" not in form  # another department is not on offer

    post = {
        "old_policy": rongque.pk,
        "new_policy": new_rongque.pk,
        "effective_date": new_rongque.effective_date.isoformat(),
        "tags": "",
        "note": "",
    }
    other = Department.objects.get(slug="hk-ybj")
    response = client.post(reverse("policy_changes:add"), {**post, "department": other.pk})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert PolicyChange.objects.count() == 0

    # Left empty, the change is the liaison's department's, and so is the drafted guide.
    client.post(reverse("policy_changes:add"), {**post, "department": ""})
    change = PolicyChange.objects.get()
    assert change.department.slug == "hk-scjg"
    assert [d.slug for d in change.guide.specific.departments.all()] == ["hk-scjg"]


def test_old_policy_is_superseded_on_the_effective_date_not_at_registration(demo, demo_user, rongque):
    from django.core.management import call_command

    effective = timezone.localdate() + datetime.timedelta(days=10)
    new = Policy.objects.create(title="容缺受理新办法", issuing_body="上海市人民政府办公厅",
                                effective_date=effective)
    services.policy_change_register(old_policy=rongque, new_policy=new, effective_date=effective,
                                    author=demo_user("liaison"))
    rongque.refresh_from_db()
    assert rongque.status == Policy.Status.CURRENT and rongque.superseded_by is None
    listing = Client().get("/policies/?status=superseded").content.decode()
    assert "沪府办规〔2023〕12号" not in listing

    # The daily job the day before: nothing yet. On the effective date: superseded.
    call_command("apply_policy_changes", date=(effective - datetime.timedelta(days=1)).isoformat())
    rongque.refresh_from_db()
    assert rongque.status == Policy.Status.CURRENT
    call_command("apply_policy_changes", date=effective.isoformat())
    rongque.refresh_from_db()
    assert rongque.status == Policy.Status.SUPERSEDED
    assert rongque.superseded_by == new and rongque.expiry_date == effective
    detail = Client().get(reverse("knowledge:policy_detail", args=(rongque.pk,))).content.decode()
    assert "本文件已被替代" in detail and "容缺受理新办法" in detail
    # Running again changes nothing.
    assert services.policy_changes_apply_due(today=effective) == []


def test_guide_goes_under_the_affected_articles_topic(demo, demo_user):
    simple_dereg = Policy.objects.get(document_number="沪市监注〔2021〕58号")
    new = Policy.objects.create(title="简易注销登记新规", issuing_body="上海市市场监督管理局")
    change = services.policy_change_register(old_policy=simple_dereg, new_policy=new,
                                             effective_date=timezone.localdate(), author=demo_user("liaison"))
    # One citing article sits under 企业开办与变更, the one about 注销 itself under 企业注销.
    assert change.guide.get_parent().slug == "qiye-zhuxiao"
    assert change.guide.slug == "jianyizhuxiao-dengji-xingui"  # the title in pinyin, by word


def test_liaison_adds_the_new_policy_from_the_change_form(demo, demo_user, rongque):
    client = login(demo_user("liaison"))
    effective = timezone.localdate() + datetime.timedelta(days=10)
    post = {
        "old_policy": rongque.pk, "new_policy": "", "effective_date": effective.isoformat(),
        "new_policy_title": "", "new_policy_document_number": "沪府办规〔2026〕7号",
        "new_policy_issuing_body": "", "new_policy_summary": "", "tags": "", "department": "", "note": "",
    }
    refused = client.post(reverse("policy_changes:add"), post)
    assert "请选择新政策，或在下方填写新增的政策文件。" in refused.content.decode()
    assert not Policy.objects.filter(document_number="沪府办规〔2026〕7号").exists()

    response = client.post(reverse("policy_changes:add"), {
        **post, "new_policy_title": "上海市政务服务容缺受理工作办法（2026年版）",
        "new_policy_issuing_body": "上海市人民政府办公厅", "new_policy_summary": "扩大容缺事项 & <在线补交>",
    }, follow=True)
    assert response.status_code == 200
    new = Policy.objects.get(document_number="沪府办规〔2026〕7号")
    assert new.effective_date == effective and new.summary == "扩大容缺事项 & <在线补交>"
    change = PolicyChange.objects.get()
    assert change.new_policy == new
    # Registered: the change's own page, listing what it flagged with links, times in Shanghai.
    html = response.content.decode()
    assert "已标记待复核的内容" in html
    for flag in change.flags.all():
        assert reverse("wagtailadmin_pages:edit", args=(flag.page_id,)) in html
    task = change.guide.current_workflow_task_state.task_id
    assert reverse("wagtailadmin_pages:workflow_preview", args=(change.guide_id, task)) in html
    local = timezone.localtime(change.registered_at).strftime("%H:%M")
    assert local in html
    assert "才会显示为“已被替代”" in html
    listing = client.get(reverse("policy_changes:index")).content.decode()
    assert local in listing
