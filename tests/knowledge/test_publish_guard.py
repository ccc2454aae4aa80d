"""Publishing is refused while a page still contains personal data (issue 5)."""

import pytest
from django.contrib.auth import get_user_model
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from knowledge.models import RequiredMaterial, SolutionArticlePage, TopicIndexPage
from knowledge.publish_guard import (
    PersonalDataGuardedPageForm,
    guard_before_publish_page,
    personal_data_in_page,
    publish_refusal_message,
    text_of,
)
from portal.home.models import HomePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    home = HomePage.objects.first()
    topic = TopicIndexPage(title="企业开办与注销", slug="kaiban-guard")
    home.add_child(instance=topic)
    topic.save_revision().publish()
    return topic


def draft_article(topic, **overrides):
    fields = dict(
        title="前租户未注销时如何办理营业执照",
        slug="qianzuhu-guard",
        summary="申请人租下的铺位被前租户企业占用，经协调完成简易注销后办结。",
        problem="申请人反映：铺位的前租户未注销，新商户办不了营业执照。",
        steps=[("paragraph", RichText("<p>联系前租户办理简易注销，可拨打12345咨询。</p>"))],
        live=False,
    )
    fields.update(overrides)
    page = SolutionArticlePage(**fields)
    topic.add_child(instance=page)
    return page


def test_text_of_handles_rich_text_and_streams(topic):
    page = draft_article(topic, steps=[("paragraph", RichText("<p>请联系<b>王先生</b> 138&nbsp;1234 5678</p>"))])
    page = SolutionArticlePage.objects.get(pk=page.pk)
    text = text_of(page.steps)
    assert "王先生" in text and "1234" in text and "<b>" not in text


def test_clean_draft_has_no_findings(topic):
    assert personal_data_in_page(draft_article(topic)) == {}


def test_findings_name_the_fields_and_kinds(topic):
    page = draft_article(
        topic,
        summary="张女士来电 13812345678 反映",
        steps=[("paragraph", RichText("<p>家住曲阳路800弄12号1203室</p>"))],
    )
    page.materials = [RequiredMaterial(name="营业执照副本", note="车牌沪AD12345的行驶证")]
    findings = personal_data_in_page(page)
    assert findings == {"摘要": ["mobile", "name"], "解决步骤": ["address"], "材料·说明": ["plate"]}
    message = publish_refusal_message(findings)
    assert message.startswith("不能发布：页面仍含有个人信息（摘要：手机号、姓名；解决步骤：地址；材料·说明：车牌号）")


def _form(page, topic, user, data):
    handler = ObjectList(
        [FieldPanel("title"), FieldPanel("slug"), FieldPanel("summary"), FieldPanel("problem")],
        base_form_class=PersonalDataGuardedPageForm,
    ).bind_to_model(SolutionArticlePage)
    form_class = handler.get_form_class()
    return form_class(data, instance=page, for_user=user, parent_page=topic)


def test_form_refuses_publish_and_submit_but_allows_draft(topic):
    user = get_user_model().objects.create_superuser("editor", "e@example.com", "pw-123456")
    page = draft_article(topic)
    data = {"title": page.title, "slug": page.slug, "summary": "请回电 138 1234 5678", "problem": page.problem}
    assert _form(page, topic, user, dict(data)).is_valid()  # saving a draft is fine
    for action in ("action-publish", "action-submit"):
        form = _form(page, topic, user, dict(data, **{action: "1"}))
        assert not form.is_valid()
        assert "个人信息（手机号）" in form.errors["summary"][0]
        assert "problem" not in form.errors
    approve = dict(data, **{"action-workflow-action": "1", "workflow-action-name": "approve"})
    assert not _form(page, topic, user, approve).is_valid()
    reject = dict(data, **{"action-workflow-action": "1", "workflow-action-name": "reject"})
    assert _form(page, topic, user, reject).is_valid()


def test_publish_from_the_admin_is_refused_until_the_phone_is_removed(client, topic):
    user = get_user_model().objects.create_superuser("editor", "e@example.com", "pw-123456")
    client.force_login(user)
    page = draft_article(topic)
    page.save_revision()

    def post(summary):
        data = nested_form_data({
            "title": page.title,
            "slug": page.slug,
            "summary": summary,
            "problem": page.problem,
            "applies_to": "",
            "steps": streamfield([("paragraph", rich_text("<p>联系前租户办理简易注销。</p>"))]),
            "materials": inline_formset([]),
            "departments": [], "policies": [], "service_items": [], "districts": [],
            "tags": "",
            "effective_date": "", "last_reviewed": "", "review_due": "",
            "external_id": "", "seo_title": "", "search_description": "",
            "comments": inline_formset([]),
            "action-publish": "action-publish",
        })
        return client.post(f"/admin/pages/{page.pk}/edit/", data, follow=True)

    with hooks.register_temporarily("before_publish_page", guard_before_publish_page):
        response = post("申请人联系电话 021-6123 4567，已办结。")
        page.refresh_from_db()
        assert not page.live
        # The page form (base_form_class) refuses first, on the field itself.
        assert "此处仍含有个人信息（电话号码）" in response.content.decode()

        response = post("申请人联系电话【电话】，已办结。")
        page.refresh_from_db()
        assert page.live, response.content.decode()[:2000]
