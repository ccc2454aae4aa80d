"""Proves the browser harness: real Chromium, real server, Chinese page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_opens_the_home_page_in_chinese(live_server, browser_page):
    response = browser_page.goto("/")

    assert response is not None and response.status == 200
    expect(browser_page).to_have_title(re.compile("办成"))
    expect(browser_page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(browser_page.get_by_role("banner")).to_contain_text("办不成事反映")
    expect(browser_page.get_by_role("search").get_by_role("button", name="搜索")).to_be_visible()
