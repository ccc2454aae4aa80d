"""公开信息核查 (issue 13): public contacts confirmed with a reason, audited, carried by the revision;
never a way to publish a reporter's phone or ID number from a page drafted from a case."""

import json

import pytest
from django.contrib.auth import get_user_model
from wagtail.log_actions import log
from wagtail.models import PageLogEntry
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from knowledge.contact_points import finding_key
from knowledge.models import Department, SolutionArticlePage, TopicIndexPage
from knowledge.publish_guard import PersonalDataPublishRefused, personal_data_in_page
from knowledge.selectors import DRAFT_FROM_CASE_ACTION
from portal.home.models import HomePage

pytestmark = pytest.mark.django_db


def shows(response, text: str) -> bool:
    """``text`` on the page, also inside the JSON that carries StreamField errors."""
    html = response.content.decode()
    return text in html or json.dumps(text)[1:-1] in html

HOTLINE = "咨询电话：021-64521233，电子邮箱：zhuxiao@scjgj.sh.gov.cn。"


@pytest.fixture
def topic():
    home = HomePage.objects.first()
    topic = TopicIndexPage(title="企业开办与注销", slug="kaiban-ack")
    home.add_child(instance=topic)
    topic.save_revision().publish()
    return topic


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("editor", "e@example.com", "pw-123456")
    client.force_login(user)
    return user


def make_article(topic, steps_text, slug="ack-article"):
    page = SolutionArticlePage(
        title="简易注销怎么办",
        slug=slug,
        summary="符合条件的企业可以申请简易注销。",
        problem="企业想注销但不知道去哪里办。",
        steps=[("paragraph", RichText(f"<p>{steps_text}</p>"))],
        live=False,
    )
    topic.add_child(instance=page)
    page.save_revision()
    return page


def post_edit(client, page, steps_text, acks=(), action="action-publish"):
    data = {
        "title": page.title, "slug": page.slug, "summary": page.summary, "problem": page.problem,
        "applies_to": "",
        "steps": streamfield([("paragraph", rich_text(f"<p>{steps_text}</p>"))]),
        "materials": inline_formset([]),
        "departments": [], "policies": [], "service_items": [], "districts": [], "tags": "",
        "effective_date": "", "last_reviewed": "", "review_due": "",
        "external_id": "", "seo_title": "", "search_description": "",
        "comments": inline_formset([]),
        action: action,
    }
    data = nested_form_data(data)
    data["public_info_acknowledgements-count"] = str(len(acks))
    for i, (kind, text, category, reason) in enumerate(acks):
        data.update({
            f"public_info_acknowledgements-{i}-key": finding_key(kind, text),
            f"public_info_acknowledgements-{i}-kind": kind,
            f"public_info_acknowledgements-{i}-text": text,
            f"public_info_acknowledgements-{i}-confirm": "1",
            f"public_info_acknowledgements-{i}-category": category,
            f"public_info_acknowledgements-{i}-reason": reason,
        })
    return client.post(f"/admin/pages/{page.pk}/edit/", data, follow=True)


def test_editor_sees_findings_highlighted_and_confirms_them_with_a_reason(client, topic, editor):
    page = make_article(topic, HOTLINE)
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "公开信息核查" in html and 'data-testid="public-info-item"' in html
    assert '<mark class="public-info-mark" data-category="institutional">021-64521233</mark>' in html

    response = post_edit(client, page, HOTLINE)
    page.refresh_from_db()
    assert not page.live
    assert shows(response, "尚未确认的公开信息")

    # A confirmation without a reason is refused too; nothing is published.
    response = post_edit(client, page, HOTLINE, acks=[("landline", "021-64521233", "institutional", " ")])
    page.refresh_from_db()
    assert not page.live and shows(response, "请为“021-64521233”填写确认理由")

    acks = [
        ("landline", "021-64521233", "institutional", "通知公布的咨询电话"),
        ("email", "zhuxiao@scjgj.sh.gov.cn", "institutional", "市场监管局的机构邮箱"),
    ]
    response = post_edit(client, page, HOTLINE, acks=acks)
    page.refresh_from_db()
    assert page.live, response.content.decode()[:3000]
    stored = page.live_revision.content["public_info_acknowledgements"]
    assert {(e["text"], e["reason"], e["user"]) for e in stored} == {
        ("021-64521233", "通知公布的咨询电话", "editor"),
        ("zhuxiao@scjgj.sh.gov.cn", "市场监管局的机构邮箱", "editor"),
    }
    entries = PageLogEntry.objects.filter(page=page, action="knowledge.public_info_acknowledged")
    assert entries.count() == 2 and {e.user_id for e in entries} == {editor.pk}
    assert all(e.revision_id for e in entries)
    # The reviewer opening the page sees who confirmed what, and why.
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "已由 editor 于" in html and "通知公布的咨询电话" in html
    history = client.get(f"/admin/pages/{page.pk}/history/").content.decode()
    assert "确认公开信息" in history

    # Another number added later is not covered by the earlier confirmation.
    response = post_edit(client, page, HOTLINE + "监督电话：021-64521234。", acks=acks)
    page.refresh_from_db()
    assert page.live_revision.content["public_info_acknowledgements"] == stored
    assert shows(response, "021-64521234") and shows(response, "尚未确认")


def test_a_case_drawn_page_cannot_publish_a_private_phone_or_id_through_an_acknowledgement(client, topic, editor):
    text = "申请人手机13812345678，身份证号310101199001011234，联系电话：021-64521233。"
    page = make_article(topic, text, slug="from-case")
    log(instance=page, action=DRAFT_FROM_CASE_ACTION, data={"case": "BCS-2026-000001"})
    forged = [
        ("mobile", "13812345678", "institutional", "机构电话"),
        ("id_number", "310101199001011234", "official", "公职人员"),
        ("landline", "021-64521233", "institutional", "机构电话"),
    ]
    response = post_edit(client, page, text, acks=forged)
    page.refresh_from_db()
    assert not page.live
    assert shows(response, "不能确认为公开信息")
    # Even an acknowledgement written straight into a revision changes nothing.
    draft = page.get_latest_revision_as_object()
    draft.public_info_acknowledgements = [
        {"key": finding_key(k, t), "kind": k, "text": t, "category": c, "reason": r, "user": "x", "at": ""}
        for k, t, c, r in forged
    ]
    assert set(personal_data_in_page(draft)) == {"解决步骤"}
    revision = draft.save_revision()
    with pytest.raises(PersonalDataPublishRefused):
        revision.publish()
    page.refresh_from_db()
    assert not page.live


def test_a_forged_acknowledgement_never_covers_personal_data_on_any_page(topic):
    page = make_article(topic, "申请人的手机13812345678，身份证号310101199001011234。", slug="forged")
    page.public_info_acknowledgements = [
        {"key": finding_key("mobile", "13812345678"), "category": "institutional", "reason": "x"},
        {"key": finding_key("id_number", "310101199001011234"), "category": "institutional", "reason": "x"},
    ]
    assert personal_data_in_page(page) == {"解决步骤": ["id_number", "mobile"]}


def test_department_contacts_pass_without_asking(topic):
    Department.objects.create(name="虹口区市场监督管理局", slug="hk-scjg", contact_phone="021-25157200",
                              office_address="虹口区飞虹路518号")
    page = make_article(topic, "请致电021-25157200，或到飞虹路518号办理。", slug="registered")
    assert personal_data_in_page(page) == {}


def test_reviewers_see_the_confirmations_in_the_preview_and_readers_never_do(client, topic, editor):
    page = make_article(topic, HOTLINE, slug="ack-preview")
    acks = [("landline", "021-64521233", "institutional", "通知公布的咨询电话"),
            ("email", "zhuxiao@scjgj.sh.gov.cn", "institutional", "市场监管局的机构邮箱")]
    post_edit(client, page, HOTLINE, acks=acks, action="action-save")  # a draft, as 会签 receives it
    page.refresh_from_db()
    assert not page.live

    preview = client.get(f"/admin/pages/{page.pk}/view_draft/")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "公开信息核查（仅预览可见）" in html and "编辑已确认 2 项为公开信息" in html
    assert "021-64521233" in html and "通知公布的咨询电话" in html and "editor" in html

    post_edit(client, page, HOTLINE, acks=acks)
    page.refresh_from_db()
    assert page.live
    client.logout()
    public = client.get(page.url).content.decode()
    assert "021-64521233" in public  # the confirmed contact is published as written
    assert "公开信息核查" not in public and "通知公布的咨询电话" not in public
