"""Admin: taxonomy snippets and the 待复核指引 report."""

import json

import pytest
from django.test import Client

from knowledge.models import SolutionArticlePage
from tests.helpers import login

pytestmark = pytest.mark.django_db


def test_review_report_lists_only_overdue_guidance(demo, demo_user):
    client = login(demo_user("reviewer"))
    response = client.get("/admin/reports/review-due/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "待复核指引" in html
    assert "小区停车难这类问题该找谁反映" in html
    assert "营业性演出许可怎么在“随申办”上全程网办" not in html

    csv = client.get("/admin/reports/review-due/?export=csv")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "小区停车难这类问题该找谁反映" in body


def test_review_report_in_reports_menu(demo, demo_user):
    html = login(demo_user("editor")).get("/admin/").content.decode()
    assert "/admin/reports/review-due/" in html


def test_review_report_follows_the_dates(demo, demo_user):
    page = SolutionArticlePage.objects.get(slug="xiaoqu-tingche-nan-zhao-shei")
    page.review_due = page.last_reviewed = None
    page.save()
    html = login(demo_user("reviewer")).get("/admin/reports/review-due/").content.decode()
    assert "小区停车难这类问题该找谁反映" not in html


def test_review_report_hidden_from_anonymous_and_liaison(demo, demo_user):
    assert Client().get("/admin/reports/review-due/").status_code == 302
    response = login(demo_user("liaison")).get("/admin/reports/review-due/")
    assert response.status_code in (302, 403)


@pytest.mark.parametrize("model", ["department", "policy", "serviceitem", "district"])
def test_taxonomy_snippets_listed_for_admin(demo, demo_user, model):
    response = login(demo_user("admin")).get(f"/admin/snippets/knowledge/{model}/")
    assert response.status_code == 200


def test_taxonomy_menu_and_search(demo, demo_user):
    client = login(demo_user("admin"))
    # The sidebar is JSON for the admin's JS: the label may be \u-escaped.
    html = client.get("/admin/").content.decode()
    assert "知识库分类" in html or json.dumps("知识库分类")[1:-1] in html
    html = client.get("/admin/snippets/knowledge/department/?q=崇明").content.decode()
    assert "崇明区行政服务中心" in html
    assert "虹口区民政局" not in html
    html = client.get("/admin/snippets/knowledge/policy/?status=superseded").content.decode()
    assert "沪府办〔2022〕31号" in html
    assert "沪府办规〔2023〕12号" not in html


def test_editor_cannot_change_policies(demo, demo_user):
    client = login(demo_user("editor"))
    assert client.get("/admin/snippets/knowledge/policy/").status_code == 200
    assert client.get("/admin/snippets/knowledge/policy/add/").status_code in (302, 403)


@pytest.mark.parametrize("model", ["SolutionArticlePage", "PolicyTransitionGuidePage"])
def test_page_editor_multi_selects_are_checkboxes(demo, demo_user, model):
    # Ctrl-click <select multiple> lists lose a selection at the first plain click.
    from knowledge import models as knowledge_models

    page = getattr(knowledge_models, model).objects.first()
    html = login(demo_user("editor")).get(f"/admin/pages/{page.pk}/edit/").content.decode()
    fields = ["departments", "service_items", "districts"]
    if model == "SolutionArticlePage":
        fields.append("policies")
    for name in fields:
        assert f'type="checkbox" name="{name}"' in html, name
        assert f'name="{name}" multiple' not in html and f'multiple name="{name}"' not in html
