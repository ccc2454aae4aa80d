"""An imported notice as a reader on a phone sees it, in real Chromium.

Government notices quote web addresses inline, often long ones with no space to break at
("…govView_C5E45CCFFFA64632AF0C4391CDAA73B0.html"); the page must still fit a 390 px screen
instead of scrolling sideways. Screenshots are left in build/test-artifacts/."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from knowledge.models import SolutionArticlePage
from tests.conftest import ARTIFACTS_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_URL = "http://www.example.gov.cn/govView_C5E45CCFFFA64632AF0C4391CDAA73B0F1E2D3C4.html"
NOTICE = {
    "id": "layout-001",
    "title": "关于委托贷款管理办法的通知",
    "body": (
        "关于委托贷款管理办法的通知 为规范委托贷款业务，现印发管理办法。 "
        f"一、办理人员可登录服务平台（{LONG_URL}）在线申请。 "
        f"附：《委托贷款管理办法》 {LONG_URL}?from=notice&channel=2020-02-21-long-parameter"
    ),
}


def test_a_notice_quoting_a_long_web_address_fits_a_phone_screen(live_server, browser_page, tmp_path):
    path = tmp_path / "notices.jsonl"
    path.write_text(json.dumps(NOTICE, ensure_ascii=False) + "\n", encoding="utf-8")
    call_command("import_articles", str(path), "--public-source", stdout=StringIO(), stderr=StringIO())
    url = SolutionArticlePage.objects.get(external_id="layout-001").url

    page = browser_page
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert page.get_by_text("govView_C5E45CCFFFA64632AF0C4391CDAA73B0F1E2D3C4", exact=False).first.is_visible()
        wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= window, f"the notice is {wide} px wide in a {window} px window"
        page.screenshot(path=str(ARTIFACTS_DIR / f"imported-notice-long-url-{width}.png"), full_page=True)
