"""Cases (staff-only documents) never reach anonymous readers; staff see only theirs.

Cases are indexed directly as staff-visibility SearchDocuments through the
engine under test, so this holds whatever the case desk indexes later.
"""

from __future__ import annotations

import sys
import types

import pytest
from django.contrib.auth import get_user_model

from search.engines import get_engine
from search.engines.base import STAFF, SearchDocument
from search.selectors import staff_visibility_for

from .experience_helpers import index, make_article, make_topic

pytestmark = pytest.mark.django_db

CASE_TITLE_7 = "饭店因前任租户未注销无法办照案例"
CASE_TITLE_8 = "股东失联简易注销退单案例"


def case_doc(doc_id: int, title: str, keys: list[str]) -> SearchDocument:
    return SearchDocument(
        doc_type="case",
        doc_id=doc_id,
        external_id=f"BCS-2026-{doc_id:06d}",
        title=title,
        summary="注销 营业执照 办不成",
        body="申请人反映营业执照因前任公司未注销无法办理，经协调后简易注销。",
        url=f"/admin/cases/case/{doc_id}/",
        visibility=STAFF,
        restrict_keys=keys,
    )


@pytest.fixture
def indexed(search_engine):
    topic = make_topic("企业开办与注销", slug="kaiban")
    article = make_article(topic, "企业简易注销登记办理指引", summary="营业执照 注销")
    index(article)
    get_engine().index([case_doc(700001, CASE_TITLE_7, ["dept:7"]), case_doc(700002, CASE_TITLE_8, ["dept:8"])])
    return article


@pytest.fixture
def case_keys(monkeypatch):
    """Set what ``cases.selectors.case_search_restrict_keys`` answers for every user."""

    def set_keys(keys):
        def case_search_restrict_keys(user):
            return keys

        try:
            import cases.selectors as module
        except ImportError:
            module = types.ModuleType("cases.selectors")
            monkeypatch.setitem(sys.modules, "cases.selectors", module)
        monkeypatch.setattr(module, "case_search_restrict_keys", case_search_restrict_keys, raising=False)

    return set_keys


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="window", password="pw-123456", is_staff=True)
    client.force_login(user)
    return client


def test_anonymous_api_never_returns_cases(client, indexed):
    data = client.get("/api/search/", {"q": "注销"}).json()
    assert data["results"], "the public article should be found"
    assert all(r["type"] != "case" for r in data["results"])
    assert not any(f["value"] == "case" and f["count"] for f in data["facets"].get("type", []))
    assert client.get("/api/search/", {"q": "注销", "type": "case"}).status_code == 403


def test_anonymous_page_never_shows_cases(client, indexed):
    html = client.get("/search/", {"q": "注销 案例"}).content.decode()
    assert "企业简易注销登记办理指引" in html
    assert CASE_TITLE_7 not in html and CASE_TITLE_8 not in html
    assert client.get("/search/", {"q": "注销", "type": "case"}).status_code == 403


def test_suggestions_never_offer_case_titles_to_anonymous(client, indexed):
    suggestions = client.get("/search/suggest/", {"q": "饭店"}).json()
    assert CASE_TITLE_7 not in suggestions


def test_staff_restricted_to_their_department(staff_client, indexed, case_keys):
    case_keys(["dept:7"])
    data = staff_client.get("/api/search/", {"q": "注销", "type": "case"}).json()
    titles = [r["title"] for r in data["results"]]
    assert CASE_TITLE_7 in titles
    assert CASE_TITLE_8 not in titles
    # Staff results are never cached for others.
    response = staff_client.get("/api/search/", {"q": "注销"})
    assert "private" in response["Cache-Control"]


def test_staff_seeing_everything(staff_client, indexed, case_keys):
    case_keys(None)
    titles = [r["title"] for r in staff_client.get("/api/search/", {"q": "注销 案例"}).json()["results"]]
    assert CASE_TITLE_7 in titles and CASE_TITLE_8 in titles


def test_staff_with_no_case_access(staff_client, indexed, case_keys):
    case_keys([])
    data = staff_client.get("/api/search/", {"q": "注销 案例"}).json()
    assert all(r["type"] != "case" for r in data["results"])
    assert staff_client.get("/api/search/", {"q": "注销", "type": "case"}).status_code == 403


def test_visibility_hook_defaults(case_keys):
    User = get_user_model()
    assert staff_visibility_for(None) == (False, [])
    from django.contrib.auth.models import AnonymousUser

    assert staff_visibility_for(AnonymousUser()) == (False, [])
    user = User.objects.create_user(username="u1", password="pw-123456")
    case_keys(None)
    assert staff_visibility_for(user) == (True, None)
    case_keys(["hall:3", "district:5"])
    assert staff_visibility_for(user) == (True, ["hall:3", "district:5"])
    case_keys([])
    assert staff_visibility_for(user) == (False, [])
    user.is_active = False
    case_keys(None)
    assert staff_visibility_for(user) == (False, [])


def test_without_the_case_hook_nobody_sees_cases(staff_client, indexed, monkeypatch):
    monkeypatch.setitem(sys.modules, "cases.selectors", types.ModuleType("cases.selectors"))
    data = staff_client.get("/api/search/", {"q": "注销 案例"}).json()
    assert all(r["type"] != "case" for r in data["results"])


def test_with_the_case_desk_hook(client, indexed, django_user_model):
    """The real cases.selectors hook: a superuser sees every case, a signed-in user without a case role none."""
    plain = django_user_model.objects.create_user(username="reader", password="pw-123456")
    client.force_login(plain)
    data = client.get("/api/search/", {"q": "注销 案例"}).json()
    assert data["results"] and all(r["type"] != "case" for r in data["results"])

    boss = django_user_model.objects.create_superuser(username="boss", password="pw-123456")
    client.force_login(boss)
    titles = [r["title"] for r in client.get("/api/search/", {"q": "注销 案例", "type": "case"}).json()["results"]]
    assert CASE_TITLE_7 in titles and CASE_TITLE_8 in titles
