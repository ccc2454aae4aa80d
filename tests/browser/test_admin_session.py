"""The shared sign-out really ends the session: a late answer that brings the old cookie
back (what made a sign-in land on the previous user's dashboard) no longer signs anyone in."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from .admin_session import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_session_cookie_coming_back_after_sign_out_signs_nobody_in(live_server, browser_page):
    User.objects.create_superuser("first", "first@example.com", "pw-first-123")
    User.objects.create_superuser("second", "second@example.com", "pw-second-123")
    page = browser_page
    sign_in(page, "first", "pw-first-123")
    old = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert old
    sign_out(page)
    page.context.add_cookies(old)  # the late answer of a page being left
    page.goto("/admin/")
    expect(page.locator("#id_username")).to_be_visible()
    sign_in(page, "second", "pw-second-123")
    page.goto("/admin/")
    expect(page.locator("body")).to_contain_text("second")
    expect(page.locator("body")).not_to_contain_text("first")
