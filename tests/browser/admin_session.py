"""Signing in to the Wagtail admin the way a person does, shared by the browser tests."""

import re

from playwright.sync_api import expect


def sign_out(page) -> None:
    """Become an anonymous visitor in the same browser.

    Leave the current page first: a request it still has in flight would
    answer after the cookies are cleared and set the old session again (every
    response refreshes the session cookie), so the next page would still be
    the previous user's.
    """
    page.goto("about:blank")
    page.context.clear_cookies()


def sign_in(page, username: str, password: str) -> None:
    """Fresh session, the Chinese login form, then the dashboard."""
    for _attempt in range(5):
        sign_out(page)
        page.goto("/admin/login/")
        if page.locator("#id_username").count():
            break
        # Still signed in as the previous user: a late answer re-set its session cookie
        # after it was cleared. Clear again rather than sign in on top of it.
        page.wait_for_timeout(500)
    else:
        cookies = sorted(c["name"] for c in page.context.cookies())
        raise AssertionError(f"no login form after signing out 5 times: at {page.url}, cookies {cookies}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
