"""The Wagtail admin speaks Chinese: no English-only text on the screens staff use every day."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Workflow

from knowledge.models import PolicyTransitionGuidePage, SolutionArticlePage
from tests.helpers import login

pytestmark = pytest.mark.django_db

# Text that is English on purpose: account names, time zone names in the
# account settings, the product's own name. "Actions" (a nav aria-label) and
# "True" (screen-reader text of a boolean cell) are hard-coded in Wagtail 8's
# templates, outside any translation catalogue.
ALLOWED = re.compile(
    r"^(admin|editor|reviewer|liaison|window|triage|dept|supervisor|Wagtail|localtime|Actions|True)$"
    r"|^[A-Z][A-Za-z_]+(/[A-Za-z_+\-0-9]+)+$"  # Asia/Shanghai, America/Argentina/Salta
    r"|^[A-Z0-9+\-]{2,8}$"  # UTC, GMT+0, PST8PDT, ROC
    r"|^(Cuba|Egypt|Eire|Factory|GB-Eire|Greenwich|Hongkong|Iceland|Iran|Israel|Jamaica|Japan"
    r"|Kwajalein|Libya|Navajo|Poland|Portugal|Singapore|Turkey|Universal|Zulu|NZ-CHAT)$"
)


class VisibleText(HTMLParser):
    """Text a user reads: element text plus titles, labels and placeholders."""

    def __init__(self):
        super().__init__()
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


HIDDEN_LEAF = re.compile(r"<(\w+)[^>]*\shidden[\s>][^<]*</\1>")


def english_only(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(HIDDEN_LEAF.sub("", html))
    return {
        t
        for t in parser.texts
        if re.search(r"[A-Za-z]{3,}", t) and not re.search(r"[\u4e00-\u9fff]", t) and not ALLOWED.match(t)
    }


def test_everyday_admin_screens_have_no_english_only_text(demo):
    admin = get_user_model().objects.get(username="admin")
    client = login(admin)
    article = SolutionArticlePage.objects.first()
    guide = PolicyTransitionGuidePage.objects.first()
    urls = [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=(article.get_parent().pk,)),
        reverse("wagtailadmin_pages:edit", args=(article.pk,)),
        reverse("wagtailadmin_pages:edit", args=(guide.pk,)),
        reverse("wagtailadmin_pages:history", args=(article.pk,)),
        reverse("wagtailadmin_reports:locked_pages"),
        reverse("wagtailadmin_reports:workflow"),
        reverse("wagtailadmin_workflows:index"),
        reverse("wagtailsnippets_knowledge_department:list"),
        reverse("wagtailsnippets_knowledge_policy:list"),
        reverse("wagtailimages:index"),
        reverse("wagtaildocs:index"),
        reverse("wagtailusers_users:index"),
        reverse("wagtailusers_groups:index"),
        reverse("wagtailadmin_account"),
        reverse("cases:index"),
        reverse("cases:add"),
        reverse("case_classes"),
        reverse("case_statistics"),
        reverse("case_reporter_lookup"),
        reverse("policy_changes:index"),
        reverse("policy_changes:add"),
        reverse("search_reports:top_searches"),
        reverse("search_reports:zero_result_searches"),
        reverse("knowledge_review_due"),
    ]
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for text in english_only(response.content.decode()):
            found.setdefault(text, url)
    assert found == {}


def test_admin_page_search_counts_pages_without_a_stray_none(demo):
    # Wagtail passes no model name to the page search header; the count must still read as Chinese.
    client = login(get_user_model().objects.get(username="editor"))
    html = client.get(reverse("wagtailadmin_pages:search") + "?q=注销").content.decode()
    assert re.search(r"共\d+个页面，当前显示第1-\d+个", html)
    assert "None" not in re.sub(r"<[^>]+>", "", html)


def test_wagtail_defaults_are_replaced_by_bancheng_groups_and_workflow(demo):
    from django.contrib.auth.models import Group

    assert not Group.objects.filter(name__in=["Editors", "Moderators"]).exists()
    assert list(Workflow.objects.filter(active=True).values_list("name", flat=True)) == ["指引审核流程"]
    html = login(get_user_model().objects.get(username="admin")).get(reverse("wagtailadmin_home"))
    assert "Wagtail upgrade available" not in html.content.decode()
    # Closed networks: no Gravatar images (they would be broken) and no calls out for them.
    assert "gravatar.com" not in html.content.decode()


def test_every_wagtail_admin_string_has_a_chinese_translation():
    """Wagtail's own zh_Hans catalogue lacks ~400 strings; locale/ supplies them."""
    from portal.home.management.commands.check_admin_translations import untranslated_wagtail_strings

    assert untranslated_wagtail_strings() == []


def test_admin_chrome_names_bancheng_and_has_no_english_help_sites(demo):
    client = login(get_user_model().objects.get(username="admin"))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert re.search(r"<title>\s*控制面板 - 办成\s*</title>", html)
    assert "guide.wagtail.org" not in html and "wagtail.org/releases" not in html
    cases = client.get(reverse("cases:index")).content.decode()
    assert "添加 案件" not in cases


def test_wagtail_admin_wording_says_nin_and_ends_with_chinese_full_stops():
    """Wagtail's own zh_Hans catalogue says 你 in about fifty places and ends some sentences with "."."""
    import glob
    import os

    import polib
    import wagtail
    from django.utils import translation

    catalogues = glob.glob(os.path.join(os.path.dirname(wagtail.__file__), "**/zh_Hans/LC_MESSAGES/django.po"), recursive=True)
    msgids = {entry.msgid for path in catalogues for entry in polib.pofile(path) if not entry.msgid_plural}
    with translation.override("zh-hans"):
        wording = {msgid: translation.gettext(msgid) for msgid in msgids}
        assert translation.gettext("Publishing this page will cancel the current workflow.") == "发布此页面将会取消当前工作流。"
        assert translation.gettext("Download XLSX") == "下载 XLSX"
        assert translation.gettext("Inspect") == "查看"
    assert [msgid for msgid, text in wording.items() if "你" in text] == []


def test_wagtail_admin_script_wording_says_nin(client, db):
    """The admin's JavaScript catalogue (confirmations, comment boxes) says 您 like the rest of the admin."""
    import glob
    import json
    import os
    import re as regex

    import polib
    import wagtail

    catalogues = glob.glob(os.path.join(os.path.dirname(wagtail.__file__), "**/zh_Hans/LC_MESSAGES/djangojs.po"), recursive=True)
    assert catalogues
    response = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    served = json.loads(regex.search(r"const newcatalog = (\{.*?\});", response.content.decode(), regex.S).group(1))
    texts = [t for value in served.values() for t in (value if isinstance(value, list) else [value])]
    assert served["Are you sure?"] == "您确定吗？"
    assert [t for t in texts if "你" in t] == []
