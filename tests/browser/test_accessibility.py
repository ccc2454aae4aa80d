"""The public pages meet WCAG 2.1 A and AA as axe-core checks them, in real Chromium.

Citizens reach these pages with screen readers, keyboards and small phones.
Every page a reader meets is checked, including the error states of the online
report and the status lookup, and the home page at phone width.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from knowledge import demo
from knowledge.models import PolicyTransitionGuidePage, SolutionArticlePage, TopicIndexPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA).response
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results["violations"]
    ]


def test_public_pages_have_no_wcag_aa_violations(live_server, browser_page):
    demo.load()
    page = browser_page
    article = SolutionArticlePage.objects.live().first()
    guide = PolicyTransitionGuidePage.objects.live().first()
    topic = TopicIndexPage.objects.live().first()
    urls = [
        "/",
        topic.url,
        article.url,
        guide.url,
        "/search/?q=简易注销",
        "/search/?q=火星移民",  # no result: the help and suggestions
        "/departments/",
        "/report/",
        "/report/status/",
        "/statistics/",
        "/no-such-page/",
    ]
    found = {}
    for url in urls:
        page.goto(url)
        if problems := violations(page):
            found[url] = problems

    # Error states: the forms submitted empty.
    for url in ("/report/", "/report/status/"):
        page.goto(url)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.locator(".errorlist, .error-message, [role=alert]").count() > 0
        if problems := violations(page):
            found[f"{url} (errors)"] = problems

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    if problems := violations(page):
        found["/ (375 px)"] = problems

    assert found == {}
