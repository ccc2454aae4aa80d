"""Signing in to and out of the Wagtail admin the way a person does, shared by the browser tests."""

import re

from django.conf import settings
from playwright.sync_api import expect


def sign_out(page) -> None:
    """Become an anonymous visitor in the same browser: end the session, then forget it.

    The session is ended on the server (the admin's 退出, a POST with the CSRF token), not
    only forgotten in the browser. Every admin answer sets the session cookie again
    (SESSION_SAVE_EVERY_REQUEST), so an answer of the page being left that the browser
    files after the cookies are cleared brought the previous user back: twice on CI the
    next login page showed that user's dashboard. A cookie naming an ended session is
    harmless, whenever it comes back (tests/browser/test_admin_session.py).
    """
    page.goto("about:blank")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    if settings.SESSION_COOKIE_NAME in cookies:
        response = page.request.post(
            "/admin/logout/", headers={"X-CSRFToken": cookies.get(settings.CSRF_COOKIE_NAME, "")}, max_redirects=0
        )
        assert response.status == 302, f"signing out answered {response.status}"
    page.context.clear_cookies()


def sign_in(page, username: str, password: str) -> None:
    """Fresh session, the Chinese login form, then the dashboard."""
    sign_out(page)
    page.goto("/admin/login/")
    expect(page.locator("#id_username"), "signed out, the login page shows its form").to_be_visible()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
