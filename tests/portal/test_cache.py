"""The anonymous page cache: fast for readers, never stale, never personal."""

import pytest
from django.test import Client
from wagtail.models import Page, PageViewRestriction

from knowledge.models import Department, TopicIndexPage
from portal import cache as page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return Page.objects.get(depth=2).specific


@pytest.fixture
def topic(home):
    topic = TopicIndexPage(title="企业开办与注销", slug="qiye-kaiban", introduction="开办和注销企业")
    home.add_child(instance=topic)
    topic.save_revision().publish()
    return topic


def get(client, url, **extra):
    response = client.get(url, **extra)
    return response, response.content.decode()


def test_second_anonymous_view_is_served_from_the_cache(client, topic):
    first, first_html = get(client, topic.url)
    second, second_html = get(client, topic.url)

    assert first.status_code == 200 and first["X-Cache"] == "MISS"
    assert second.status_code == 200 and second["X-Cache"] == "HIT"
    assert second_html == first_html
    assert "企业开办与注销" in second_html


def test_cache_is_shared_by_readers_and_ignores_query_order(topic):
    Client().get(f"{topic.url}?b=2&a=1")
    # Another reader, who already holds a CSRF cookie from an earlier visit.
    reader = Client()
    reader.cookies["csrftoken"] = "a" * 32
    response = reader.get(f"{topic.url}?a=1&b=2")

    assert response["X-Cache"] == "HIT"
    assert "Set-Cookie" not in response


def test_head_request_is_answered_from_the_cached_get(client, topic):
    client.get(topic.url)
    response = client.head(topic.url)

    assert response.status_code == 200 and response["X-Cache"] == "HIT"


def test_publishing_a_new_title_shows_on_the_page_and_on_pages_listing_it(client, home, topic):
    assert "企业开办与注销" in get(client, topic.url)[1]
    assert "企业开办与注销" in get(client, home.url)[1]
    assert get(client, home.url)[0]["X-Cache"] == "HIT"

    topic.title = "企业开办、变更与注销"
    topic.save_revision().publish()

    response, html = get(client, topic.url)
    assert response["X-Cache"] == "MISS"
    assert "企业开办、变更与注销" in html
    # The home page lists topics: it must not keep the old title either.
    assert "企业开办、变更与注销" in get(client, home.url)[1]


def test_unpublished_page_disappears_at_once(client, topic):
    url = topic.url
    get(client, url)
    assert get(client, url)[0]["X-Cache"] == "HIT"

    topic.unpublish()

    assert client.get(url).status_code == 404


def test_deleted_page_disappears_at_once(client, topic):
    url = topic.url
    get(client, url)
    assert get(client, url)[0]["X-Cache"] == "HIT"

    topic.delete()

    assert client.get(url).status_code == 404


def test_moving_a_page_invalidates_the_cache(client, home, topic):
    other = TopicIndexPage(title="社会保障", slug="shebao")
    home.add_child(instance=other)
    other.save_revision().publish()
    get(client, home.url)
    assert get(client, home.url)[0]["X-Cache"] == "HIT"

    topic.refresh_from_db()
    topic.move(other, pos="right")

    assert get(client, home.url)[0]["X-Cache"] == "MISS"


def test_saving_a_department_snippet_updates_the_department_list(client):
    url = "/departments/"
    before, _ = get(client, url)
    assert before.status_code == 200
    assert get(client, url)[0]["X-Cache"] == "HIT"

    Department.objects.create(name="虹口区市场监督管理局", slug="hongkou-scjgj")

    response, html = get(client, url)
    assert response["X-Cache"] == "MISS"
    assert "虹口区市场监督管理局" in html


def test_signed_in_users_never_get_cached_pages(client, django_user_model, topic):
    # An anonymous view fills the cache...
    get(Client(), topic.url)
    # ...then the page changes behind the cache's back (no publish signal).
    TopicIndexPage.objects.filter(pk=topic.pk).update(title="仅编辑可见的新标题")
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-123456")
    client.force_login(editor)

    for _ in range(2):
        response, html = get(client, topic.url)
        assert response.status_code == 200
        assert response.get("X-Cache") != "HIT"
        assert "仅编辑可见的新标题" in html  # a fresh render, not the cached copy


def test_signed_in_views_never_fill_the_cache(client, django_user_model, topic):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-123456")
    client.force_login(editor)
    get(client, topic.url)
    get(client, topic.url)

    anonymous = Client().get(topic.url)

    assert anonymous["X-Cache"] == "MISS"


def test_page_rendering_a_csrf_form_is_never_cached(topic):
    # A password-protected page shows Wagtail's password form with a CSRF token.
    PageViewRestriction.objects.create(
        page=topic, restriction_type=PageViewRestriction.PASSWORD, password="mima-2026"
    )
    page_cache.bump_content_version()
    reader = Client()
    for _ in range(3):
        response, html = get(reader, topic.url)
        assert response.status_code == 200
        assert "csrfmiddlewaretoken" in html
        assert response.get("X-Cache") != "HIT"
    # Another reader must get a token of their own, not a replayed one.
    other = Client().get(topic.url)
    assert other.get("X-Cache") != "HIT"
    assert "csrftoken" in other.cookies


@pytest.mark.urls("tests.portal.cache_urls")
def test_public_view_with_a_csrf_form_is_never_cached():
    first = Client().get("/csrf-form/")
    # A returning visitor who already has a CSRF cookie: the page still uses it.
    returning = Client()
    returning.cookies["csrftoken"] = first.cookies["csrftoken"].value
    responses = [first, returning.get("/csrf-form/"), returning.get("/csrf-form/")]

    for response in responses:
        assert response.status_code == 200
        assert "csrfmiddlewaretoken" in response.content.decode()
        assert response.get("X-Cache") != "HIT"
    assert Client().get("/csrf-form/").get("X-Cache") != "HIT"


def test_staff_and_form_paths_are_never_cached(client):
    for url in ["/admin/login/", "/feedback/1/"]:
        client.get(url)
        assert client.get(url).get("X-Cache") != "HIT"


def test_error_pages_are_not_cached(client):
    client.get("/no-such-page/")
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.get("X-Cache") != "HIT"


def test_cache_can_be_switched_off(client, topic, settings):
    settings.BANCHENG_PAGE_CACHE = {"ENABLED": False}
    client.get(topic.url)

    assert client.get(topic.url).get("X-Cache") is None


def _citizen_after_filing_a_report(topic_url):
    """A citizen whose session holds what the public report and status flows keep."""
    from cases import views as public_views

    citizen = Client()
    session = citizen.session
    session[public_views.SESSION_DONE] = "BCS-2026-000001"
    session[public_views.SESSION_STATUS] = 1
    session[public_views.SESSION_GUIDE_VISITS] = [1]
    session.save()
    citizen.cookies["sessionid"] = session.session_key
    return citizen


def test_citizen_who_filed_a_report_reads_the_cached_pages(topic):
    get(Client(), topic.url)
    citizen = _citizen_after_filing_a_report(topic.url)

    response, html = get(citizen, topic.url)

    assert response["X-Cache"] == "HIT"
    assert "企业开办与注销" in html
    # Their session is not touched: the receipt and the status page still find it.
    from cases import views as public_views

    assert citizen.session[public_views.SESSION_DONE] == "BCS-2026-000001"


def test_session_holding_anything_else_gets_a_fresh_render(topic):
    get(Client(), topic.url)
    TopicIndexPage.objects.filter(pk=topic.pk).update(title="缓存之外的新标题")
    citizen = _citizen_after_filing_a_report(topic.url)
    session = citizen.session
    session["_messages"] = "[]"  # a flash message waiting to be shown
    session.save()

    response, html = get(citizen, topic.url)

    assert response.get("X-Cache") != "HIT"
    assert "缓存之外的新标题" in html
