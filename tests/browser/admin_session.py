"""Signing in to the Wagtail admin the way a person does, shared by the browser tests."""

import re

from playwright.sync_api import expect


def sign_in(page, username: str, password: str) -> None:
    """Fresh session, the Chinese login form, then the dashboard."""
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
