"""The content API (/api/v2/): filters, ordering and search reach only what is published and served."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents.models import Document

from knowledge.models import Department, District, Policy
from tests.search.experience_helpers import make_article, make_department, make_topic

pytestmark = pytest.mark.django_db

API = "/api/v2"


@pytest.fixture
def client():
    return Client()


def _titles(response, field="name"):
    assert response.status_code == 200, response.content
    return [item[field] for item in response.json()["items"]]


def test_snippet_endpoints_search_filter_and_order_on_their_public_fields(client):
    hongkou = District.objects.get(code="hongkou")
    Department.objects.create(name="虹口区民政局", slug="hk-mz", district=hongkou, description="社会救助")
    Department.objects.create(name="青浦区市场监督管理局", slug="qp-sc", contact_phone="021-1")
    Policy.objects.create(title="旧的注销办法", issuing_body="市政府", status="superseded")
    Policy.objects.create(title="临时救助办法", issuing_body="市政府")

    assert _titles(client.get(f"{API}/departments/", {"search": "民政"})) == ["虹口区民政局"]
    assert _titles(client.get(f"{API}/departments/", {"district": hongkou.pk})) == ["虹口区民政局"]
    assert _titles(client.get(f"{API}/departments/", {"order": "-name"})) == ["青浦区市场监督管理局", "虹口区民政局"]
    assert _titles(client.get(f"{API}/policies/", {"status": "superseded"}), "title") == ["旧的注销办法"]
    assert _titles(client.get(f"{API}/policies/", {"search": "救助"}), "title") == ["临时救助办法"]
    # Before, every one of these was silently ignored and answered with the whole list.
    assert client.get(f"{API}/departments/", {"bogus": "1"}).status_code == 400
    assert client.get(f"{API}/districts/", {"search": "虹口"}).status_code == 400
    assert client.get(f"{API}/districts/", {"code": "hongkou"}).json()["meta"]["total_count"] == 1


def test_hidden_fields_and_drafts_cannot_be_read_filtered_ordered_or_searched(client):
    topic = make_topic()
    article = make_article(topic, "个体工商户简易注销指引", problem="前租户未注销")
    article.external_id = "INTERNAL-7"
    article.save_revision().publish()
    make_article(topic, "尚未发布的草稿指引", problem="草稿里的秘密说法", live=False)
    draft = article.save_revision()  # a newer draft of the live article, with other words
    draft_page = draft.as_object()
    draft_page.summary = "草稿摘要不应公开"
    draft_page.save_revision()

    body = client.get(f"{API}/pages/", {"type": "knowledge.SolutionArticlePage", "fields": "*"}).content.decode()
    for hidden in ("INTERNAL-7", "草稿", "public_info_acknowledgements", "review_due", "source_case_count"):
        assert hidden not in body, hidden
    for probe in ({"external_id": "INTERNAL-7"}, {"order": "external_id"}, {"order": "review_due"},
                  {"fields": "public_info_acknowledgements"}):
        params = {"type": "knowledge.SolutionArticlePage", **probe}
        assert client.get(f"{API}/pages/", params).status_code == 400, probe
    for words in ("秘密说法", "草稿摘要", "INTERNAL-7"):
        assert client.get(f"{API}/pages/", {"search": words}).json()["meta"]["total_count"] == 0, words


def test_images_and_documents_only_where_published_content_uses_them(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    scan = Document.objects.create(title="某人的身份证扫描件", file=ContentFile(b"%PDF scan", name="scan.pdf"))
    guide = Document.objects.create(title="办事指南", file=ContentFile(b"%PDF guide", name="guide.pdf"))
    draft_only = Document.objects.create(title="草稿用的附件", file=ContentFile(b"%PDF d", name="draft.pdf"))
    topic = make_topic()
    link = '<a linktype="document" id="{}">{}</a>'
    make_article(topic, "简易注销怎么办", steps=link.format(guide.pk, "下载办事指南"),
                 departments=[make_department()])
    make_article(topic, "还没发布的指引", steps=link.format(draft_only.pk, "附件"), live=False)

    assert _titles(client.get(f"{API}/documents/"), "title") == ["办事指南"]
    assert client.get(f"{API}/documents/{guide.pk}/").status_code == 200
    for unpublished in (scan, draft_only):
        assert client.get(f"{API}/documents/{unpublished.pk}/").status_code == 404
        assert unpublished.title not in client.get(f"{API}/documents/", {"search": unpublished.title}).content.decode()
    assert client.get(f"{API}/images/").json()["meta"]["total_count"] == 0
