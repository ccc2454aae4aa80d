"""A reader finds guidance from the home page and says it helped."""

import re

import pytest
from playwright.sync_api import expect

from knowledge import demo
from knowledge.models import ArticleFeedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reader_browses_topic_article_and_sends_feedback(live_server, browser_page):
    demo.load()
    page = browser_page

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("办不成的事")
    expect(page.get_by_role("link", name="还是办不成？在线反映")).to_have_attribute("href", "/report/")

    page.get_by_role("link", name=re.compile("容缺受理.*篇指引")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("容缺受理")

    page.get_by_role("link", name="容缺受理后，缺的材料怎么补：电话办、微信办、公益邮寄办").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("容缺受理后，缺的材料怎么补")
    expect(page.locator(".materials")).to_contain_text("容缺可后补")
    expect(page.locator(".trust-meta")).to_contain_text("已帮助 7 件同类事项")

    feedback = page.locator("#feedback")
    expect(feedback.get_by_role("heading")).to_have_text("这篇内容有帮助吗？")
    feedback.get_by_label("有帮助").check()
    feedback.get_by_label(re.compile("补充意见")).fill("公益邮寄办很方便，省了一趟。")
    feedback.get_by_role("button", name="提交反馈").click()

    expect(page.get_by_role("status")).to_contain_text("谢谢您的反馈")
    assert re.search(r"\?feedback=thanks#feedback$", page.url)
    stored = ArticleFeedback.objects.get()
    assert stored.helpful is True
    assert stored.comment == "公益邮寄办很方便，省了一趟。"
    # Feedback must not have set a session or CSRF cookie (pages are cached).
    assert page.context.cookies() == []


def test_report_form_points_to_a_guide_before_the_reader_submits(live_server, browser_page):
    """Typing the matter on /report/ shows matching guides, opening in a new tab; the form keeps its text."""
    from django.core.management import call_command

    demo.load()
    call_command("rebuild_search_index", verbosity=0)
    page = browser_page
    page.goto("/report/")
    box = page.get_by_test_id("report-suggestions")
    expect(box).to_be_hidden()
    page.get_by_label("遇到了什么事办不成？").fill("演出前每次都要去文旅局线下交一叠材料申报营业性演出许可，能不能网上办？")
    expect(box).to_be_visible()
    link = box.get_by_role("link", name=re.compile("营业性演出许可"))
    expect(link.first).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.first.click()
    expect(opened.value.get_by_role("heading", level=1)).to_contain_text("营业性演出许可")
    expect(page.get_by_label("遇到了什么事办不成？")).to_have_value(re.compile("营业性演出许可"))


def test_phone_reader_sees_one_search_box_and_the_first_result_on_the_first_screen(live_server, browser_page):
    demo.load()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    page.locator("#site-q").fill("简易注销")
    page.locator("#site-q").press("Enter")
    page.wait_for_url("**/search/?q=*")
    # The header box repeated the page's own: two boxes, and results pushed down the screen.
    expect(page.locator("input[type=search]:visible")).to_have_count(1)
    first = page.locator("main ol a, main ul a").filter(has_text=re.compile("注销")).first
    box = first.bounding_box()
    assert box and box["y"] + box["height"] <= 844
