"""Every public page, feed, sitemap and preview of the demo renders: status 200 and no
template syntax reaching the reader (a ``{# #}`` comment that spans lines prints as text).
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page
from wagtail.test.utils.form_data import querydict_from_html

from knowledge import services
from knowledge.models import (
    Department,
    Policy,
    PolicyTransitionGuidePage,
    SolutionArticlePage,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db

TEMPLATE_SYNTAX = re.compile(r"\{#|\{%|\{\{")


def assert_rendered(response, url):
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    body = response.content.decode()
    leaked = TEMPLATE_SYNTAX.search(body)
    assert leaked is None, f"{url} prints template syntax: …{body[max(0, leaked.start() - 80):leaked.end() + 80]}…"
    return body


def public_urls():
    urls = ["/", "/departments/", "/tags/", "/policies/", "/policies/?status=superseded",
            "/feeds/latest.rss", "/feeds/latest.atom", "/sitemap.xml", "/robots.txt", "/favicon.ico",
            "/report/", "/report/status/", "/search/", "/search/?q=简易注销", "/search/?q=yyzz",
            "/search/?q=没有这种事项啊", "/search/suggest/?q=zhuxiao", "/api/search/?q=注销"]
    for page in Page.objects.live().public().filter(depth__gte=2).specific():
        urls.append(page.url)
        if isinstance(page, (SolutionArticlePage, PolicyTransitionGuidePage)):
            urls.append(page.url + "?feedback=thanks")
        if isinstance(page, PolicyTransitionGuidePage):
            urls += [page.url + "?started=1990-01-01", page.url + f"?started={page.effective_date}"]
    urls += [reverse("knowledge:department_detail", args=(d.slug,)) for d in Department.objects.all()]
    urls += [reverse("knowledge:policy_detail", args=(p.pk,)) for p in Policy.objects.all()]
    urls += [reverse("knowledge:tag_detail", args=(t.slug,)) for t in Tag.objects.all()]
    return urls


def test_every_public_page_feed_and_sitemap_renders_cleanly(demo):
    client = Client()
    urls = public_urls()
    assert len(urls) > 60
    for url in urls:
        response = client.get(url)
        if url == "/favicon.ico":
            assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
            continue
        assert_rendered(response, url)


def test_search_results_are_not_squeezed_beside_a_printed_comment(demo):
    html = Client().get("/search/?q=注销").content.decode()
    layout = html.split('class="search-layout', 1)[1].split('class="search-results"', 1)[0]
    # Nothing but the filters (and their script) shares the grid with the results.
    text_between = re.sub(r"(?s)<aside.*?</aside>|<script.*?</script>|<[^>]+>", "", layout.split(">", 1)[1].rsplit("<div", 1)[0])
    assert text_between.strip() == ""
    assert "Collapsed on narrow screens" not in html


@pytest.fixture
def demo_user(demo):
    from django.contrib.auth import get_user_model

    return lambda username: get_user_model().objects.get(username=username)


@pytest.fixture
def drafted_guide(demo, demo_user):
    """A transition guide drafted by a policy change and waiting in the workflow, with related articles."""
    old = Policy.objects.get(document_number="沪市监注〔2021〕58号")
    new = Policy.objects.create(title="简易注销登记新规", issuing_body="上海市市场监督管理局",
                                document_number="沪市监注〔2026〕9号")
    change = services.policy_change_register(
        old_policy=old, new_policy=new, author=demo_user("liaison"),
        effective_date=timezone.localdate() + datetime.timedelta(days=10),
        department=Department.objects.get(slug="hk-scjg"),
    )
    guide = change.guide
    article = SolutionArticlePage.objects.live().first()
    guide.related_articles = [article]
    guide.save_revision(user=demo_user("liaison"))
    return PolicyTransitionGuidePage.objects.get(pk=guide.pk), article


def test_every_page_previews_as_its_draft(demo, drafted_guide):
    admin = login(_admin())
    for page in Page.objects.filter(depth__gte=2).specific():
        url = reverse("wagtailadmin_pages:view_draft", args=(page.pk,))
        assert_rendered(admin.get(url), url)


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def test_drafted_guide_previews_in_the_workflow_and_the_side_panel(drafted_guide, demo_user):
    guide, article = drafted_guide
    # The reviewer's 预览 of the workflow task (部门会签, the liaison's).
    liaison = login(demo_user("liaison"))
    task_state = Page.objects.get(pk=guide.pk).current_workflow_task_state
    assert task_state is not None
    url = reverse("wagtailadmin_pages:workflow_preview", args=(guide.pk, task_state.task_id))
    body = assert_rendered(liaison.get(url), url)
    assert guide.title in body
    assert "相关办事指引" in body and article.title in body

    # The editor's side panel: unsaved form data, a related article chosen but not saved.
    admin = login(_admin())
    edit = admin.get(reverse("wagtailadmin_pages:edit", args=(guide.pk,))).content.decode()
    data = querydict_from_html(edit, form_id="page-edit-form")
    data["faq-count"] = "0"
    other = SolutionArticlePage.objects.live().exclude(pk=article.pk).first()
    data.setlist("related_articles", [str(other.pk)])
    data["title"] = "未保存的标题：注销新规衔接"
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=(guide.pk,))
    answer = admin.post(preview_url, data).json()
    assert answer["is_valid"], answer
    body = assert_rendered(admin.get(preview_url), preview_url)
    assert "未保存的标题：注销新规衔接" in body
    assert other.title in body


@pytest.mark.parametrize("model", ["solutionarticlepage", "policytransitionguidepage"])
def test_a_new_unsaved_page_previews(demo, model):
    admin = login(_admin())
    topic = SolutionArticlePage.objects.live().first().get_parent()
    add_url = reverse("wagtailadmin_pages:add", args=("knowledge", model, topic.pk))
    data = querydict_from_html(admin.get(add_url).content.decode(), form_id="page-edit-form")
    for stream in ("steps-count", "faq-count"):
        data[stream] = "0"
    data.update({"title": "预览中的新页面", "slug": "yulan-xin", "summary": "摘要", "problem": "问题",
                 "effective_date": "2026-01-01"})
    data.setlist("related_articles", [str(SolutionArticlePage.objects.live().first().pk)])
    preview_url = reverse("wagtailadmin_pages:preview_on_add", args=("knowledge", model, topic.pk))
    answer = admin.post(preview_url, data).json()
    assert answer["is_valid"], answer
    body = assert_rendered(admin.get(preview_url), preview_url)
    assert "预览中的新页面" in body
