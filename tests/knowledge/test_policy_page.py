"""The public policy pages: /policies/ (the list) and /policies/<id>/ (one document)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from knowledge.models import Policy, PolicyTransitionGuidePage, ServiceItem
from tests.search.experience_helpers import make_article, make_policy, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies():
    new = make_policy(
        "上海市政务服务容缺受理工作办法",
        issuing_body="上海市人民政府办公厅",
        document_number="沪府办规〔2023〕12号",
        effective_date=datetime.date(2023, 6, 1),
        summary="容缺受理转为长效机制。",
        url="https://www.shanghai.gov.cn/nw12344/20230601/rongque.html",
    )
    old = make_policy(
        "上海市政务服务容缺受理工作试行办法",
        issuing_body="上海市人民政府办公厅",
        document_number="沪府办〔2022〕31号",
        effective_date=datetime.date(2022, 4, 1),
        expiry_date=datetime.date(2023, 6, 1),
        status=Policy.Status.SUPERSEDED,
        superseded_by=new,
    )
    new.service_items.add(ServiceItem.objects.create(name="食品经营许可"))
    return {"new": new, "old": old}


def html_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_policy_page_shows_the_document_and_its_source(client, policies):
    html = html_of(client, f"/policies/{policies['new'].pk}/")
    assert "<h1>上海市政务服务容缺受理工作办法</h1>" in html
    assert "沪府办规〔2023〕12号" in html and "上海市人民政府办公厅" in html
    assert "2023年6月1日" in html and "现行有效" in html
    assert "容缺受理转为长效机制。" in html and "食品经营许可" in html
    source = re.search(r'<a [^>]*href="https://www\.shanghai\.gov\.cn/[^"]*"[^>]*>', html).group(0)
    assert 'rel="noopener"' in source and 'target="_blank"' in source
    # The breadcrumb leads to the list of policies.
    assert re.search(r'class="breadcrumb".*href="/policies/"', html)
    assert "已被替代" not in html.split('class="breadcrumb"')[1].split("</header>")[0]


def test_superseded_policy_says_so_and_links_its_replacement(client, policies):
    html = html_of(client, f"/policies/{policies['old'].pk}/")
    notice = html.split('policy-status-notice">')[1].split("</div>")[0]
    assert "本文件已被替代" in notice
    assert f'href="/policies/{policies["new"].pk}/"' in notice
    assert "沪府办〔2022〕31号" in html and "2023年6月1日" in html  # 文号, 失效日期
    # And the replacement lists what it replaced.
    assert f'href="/policies/{policies["old"].pk}/"' in html_of(client, f"/policies/{policies['new'].pk}/")


def test_expired_and_not_yet_effective_policies_are_flagged(client):
    expired = make_policy("某项已失效的办法", status=Policy.Status.EXPIRED, expiry_date=datetime.date(2020, 1, 1))
    assert "本文件已于 2020年1月1日 失效" in html_of(client, f"/policies/{expired.pk}/")
    later = timezone.localdate() + datetime.timedelta(days=30)
    upcoming = make_policy("明年施行的办法", effective_date=later)
    assert "目前尚未施行" in html_of(client, f"/policies/{upcoming.pk}/")


def test_a_policy_not_yet_in_force_is_not_called_current(client):
    """A registered change's new policy is on file before its date; it was listed as 现行有效."""
    upcoming = make_policy("明年施行的办法", effective_date=timezone.localdate() + datetime.timedelta(days=30))
    for url in ("/policies/", f"/policies/{upcoming.pk}/"):
        html = html_of(client, url)
        assert '<span class="status status-pending">尚未施行</span>' in html, url
        assert "现行有效</span>" not in html, url


def test_only_published_guidance_citing_the_policy_is_listed(client, policies):
    topic = make_topic("容缺受理", slug="rongque")
    cited = make_article(topic, "容缺受理后缺的材料怎么补", slug="cited")
    cited.policies.add(policies["new"])
    cited.save_revision().publish()
    # A never-published page keeps its relations in its own rows: they must not show.
    draft = make_article(topic, "尚未发布的容缺受理草稿", slug="draft", live=False)
    draft.policies.add(policies["new"])
    draft.save()
    make_article(topic, "与本文件无关的指引", slug="unrelated")
    guide = PolicyTransitionGuidePage(
        title="容缺受理由试行转为长效机制：新旧办法衔接",
        slug="xianjie",
        summary="新旧办法怎么衔接。",
        old_policy=policies["old"],
        new_policy=policies["new"],
        effective_date=datetime.date(2023, 6, 1),
    )
    topic.add_child(instance=guide)
    guide.save_revision().publish()

    html = html_of(client, f"/policies/{policies['new'].pk}/")
    assert "容缺受理后缺的材料怎么补" in html and cited.url in html
    assert "容缺受理由试行转为长效机制" in html
    assert "尚未发布的容缺受理草稿" not in html
    assert "与本文件无关的指引" not in html
    # The old policy's page leads to the transition guide too.
    assert guide.url in html_of(client, f"/policies/{policies['old'].pk}/")
    # And the article's 政策依据 table leads back to the policy page, not off-site.
    article_html = html_of(client, cited.url)
    assert f'href="/policies/{policies["new"].pk}/"' in article_html
    # Every public page offers the policy library in the main navigation.
    assert 'href="/policies/">政策文件</a>' in article_html

    cited.unpublish()
    assert "容缺受理后缺的材料怎么补" not in html_of(client, f"/policies/{policies['new'].pk}/")


def test_unknown_policy_is_a_chinese_404(client):
    html = html_of(client, "/policies/999999/", status=404)
    assert "页面不存在" in html
    assert "页面不存在" in html_of(client, "/policies/abc/", status=404)


def test_a_source_link_that_is_not_a_web_address_is_not_linked(client):
    policy = make_policy("来源异常的文件", url="javascript:alert(1)")
    html = html_of(client, f"/policies/{policy.pk}/")
    assert "javascript:" not in html
    assert "暂无原文链接" in html


def test_policy_list_puts_current_ones_first_and_filters_by_status(client, policies):
    make_policy("某项已失效的办法", status=Policy.Status.EXPIRED, effective_date=datetime.date(2024, 1, 1))
    html = html_of(client, "/policies/")
    titles = re.findall(r'class="card-title" href="/policies/\d+/">([^<]+)</a>', html)
    assert titles == ["上海市政务服务容缺受理工作办法", "上海市政务服务容缺受理工作试行办法", "某项已失效的办法"]

    superseded = html_of(client, "/policies/?status=superseded")
    assert re.findall(r'class="card-title" href="/policies/\d+/">([^<]+)</a>', superseded) == [
        "上海市政务服务容缺受理工作试行办法"
    ]
    # An unknown status lists everything instead of failing.
    assert html_of(client, "/policies/?status=nonsense").count('class="card-title"') == 3


def test_policy_list_pages_by_twenty(client):
    for i in range(23):
        make_policy(f"批量文件{i:02d}", effective_date=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))
    first = html_of(client, "/policies/")
    assert first.count('class="card-title"') == 20 and 'rel="next"' in first
    second = html_of(client, "/policies/?page=2")
    assert second.count('class="card-title"') == 3 and 'rel="prev"' in second
    assert html_of(client, "/policies/?page=abc").count('class="card-title"') == 20


def test_policy_page_is_cached_for_readers_and_refreshed_on_save(client, policies):
    url = f"/policies/{policies['new'].pk}/"
    assert client.get(url)["X-Cache"] == "MISS"
    assert client.get(url)["X-Cache"] == "HIT"
    policies["new"].summary = "修订后的要点。"
    policies["new"].save()
    assert "修订后的要点。" in html_of(client, url)
