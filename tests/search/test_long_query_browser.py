"""A reader who pastes a long passage of a notice into the header's search box, in real Chromium.

The search refuses more than MAX_QUERY_LENGTH characters (a clear message, tested in
test_views); the boxes a reader types into must stop at that length as the browser's own
limit, so a pasted paragraph is searched by its beginning instead of ending on an error page
that has emptied the box."""

import pytest
from playwright.sync_api import expect

from search.forms import MAX_QUERY_LENGTH

from .experience_helpers import index, make_article, make_topic

PASSAGE = (
    "简易注销登记需要准备哪些材料？前任租户没有办理注销，新开的店铺无法办理营业执照，"
    "窗口说要先完成简易注销公示，公示期二十日，期间无异议才能办结。"
) * 8


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("search_engine", ["embedded"], indirect=True)
def test_a_long_passage_pasted_into_the_header_box_is_searched_not_refused(live_server, browser_page, search_engine):
    assert len(PASSAGE) > 2 * MAX_QUERY_LENGTH
    topic = make_topic("企业开办与注销", slug="kaiban")
    page = make_article(topic, "企业简易注销登记办理指引", summary="前任租户未注销，新店无法办照时如何办理简易注销。")
    index(page)

    browser_page.goto(page.url)
    box = browser_page.locator("#site-q")
    box.fill(PASSAGE)
    box.press("Enter")
    browser_page.wait_for_url("**/search/?**")
    expect(browser_page.get_by_role("link", name="企业简易注销登记办理指引")).to_be_visible()
    assert "搜索词太长了" not in browser_page.content()
    expect(browser_page.locator("#search-page-q")).to_have_value(PASSAGE[:MAX_QUERY_LENGTH])
