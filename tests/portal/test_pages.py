"""Every public page renders with the demo content; drafts never leak."""

import datetime
import urllib.parse

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client
from taggit.models import Tag
from wagtail.models import Page

from knowledge.models import (
    Department,
    PolicyTransitionGuidePage,
    SolutionArticlePage,
    TopicIndexPage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(demo):
    """An unpublished article with its own tag, below a live topic."""
    topic = TopicIndexPage.objects.get(slug="qiye-zhuxiao")
    page = SolutionArticlePage(
        title="草稿：尚未审核的注销指引",
        slug="caogao-zhuxiao",
        summary="草稿摘要",
        problem="草稿问题",
        live=False,
    )
    page.departments = [Department.objects.get(slug="qp-xzfw")]
    page.tags.set(["只在草稿里的标签"])
    topic.add_child(instance=page)
    page.save_revision()
    return page


def get(url):
    return Client().get(url)


def text(url):
    response = get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_home_shows_topics_latest_and_report_entry(demo):
    html = text("/")
    assert "还是办不成？在线反映" in html
    assert 'href="/report/"' in html
    for topic in TopicIndexPage.objects.live():
        assert topic.title in html
    assert "企业开办与变更" in html and "2 篇指引" in html
    assert "容缺受理由试行转为长效机制" in html  # a guide
    assert "<main" in html and 'lang="zh-Hans"' in html


def test_every_topic_article_and_guide_renders(demo):
    pages = Page.objects.live().public().filter(depth__gte=3).specific()
    assert len(pages) >= 16
    for page in pages:
        html = text(page.url)
        assert page.title in html
        if isinstance(page, TopicIndexPage):
            for child in page.get_children().live():
                assert child.title in html


def test_article_page_shows_what_a_reader_trusts(demo):
    page = SolutionArticlePage.objects.get(slug="fading-daibiaoren-biangeng-shenfenzheng-yuanjian-rongque")
    html = text(page.url)
    for expected in [
        "遇到的问题",
        "适用对象",
        "崇明区",
        "当场远程核验新法人信息",
        "新法定代表人身份证原件",
        "容缺可后补",
        "电话办、微信办、公益邮寄办",
        "崇明区行政服务中心",
        "021-69690000",
        "沪府办规〔2023〕12号",
        "2023-06-01",
        "现行有效",
        "发布部门",
        "生效日期",
        "最近审核",
        "已帮助 5 件同类事项",
        "这篇内容有帮助吗？",
    ]:
        assert expected in html, expected
    tag = Tag.objects.get(name="容缺受理")
    assert f"/tags/{tag.slug}/" in urllib.parse.unquote(html)


def test_guide_page_compares_policies(demo):
    guide = PolicyTransitionGuidePage.objects.get(slug="yingyexing-yanchu-xuke-wangban-xianjie")
    html = text(guide.url)
    compare = html.split('class="compare"')[1].split("</table>")[0]
    assert "2021-09-01" in compare and "2023-05-01" in compare
    for expected in ["新旧政策对照", "普文旅〔2021〕15号", "普府办〔2023〕8号", "已被替代", "过渡安排",
                     "衔接期间怎么办", "常见问题", "营业性演出许可怎么在“随申办”上全程网办", "旧政策还是新政策？"]:
        assert expected in html, expected


@pytest.mark.parametrize(
    "started, expected, absent",
    [
        ("2023-04-30", "适用原政策", "适用新政策"),
        ("2023-05-01", "适用新政策", "适用原政策"),
        ("2023-06-30", "过渡期内", "适用原政策"),
        ("2024-01-01", "适用新政策", "过渡期内"),
        # The old policy itself took effect on 2021-09-01: neither applies before that.
        ("2021-08-31", "早于原政策施行日期", "适用原政策"),
    ],
)
def test_guide_answers_old_or_new_policy(demo, started, expected, absent):
    guide = PolicyTransitionGuidePage.objects.get(slug="yingyexing-yanchu-xuke-wangban-xianjie")
    html = text(f"{guide.url}?started={started}")
    answer = html.split('id="rule-check"')[1].split("</section>")[0]
    assert expected in answer
    assert absent not in answer
    if started < "2021-09-01":
        assert "2021-09-01" in answer and "都不适用" in answer
        return
    policy = "普文旅〔2021〕15号" if started < "2023-05-01" else "普府办〔2023〕8号"
    assert policy in answer


def test_guide_says_an_ended_transition_has_ended(demo):
    # The demo transition ended on 2023-06-30; readers now must not be told it is still running.
    guide = PolicyTransitionGuidePage.objects.get(slug="yingyexing-yanchu-xuke-wangban-xianjie")
    html = text(f"{guide.url}?started=2023-05-31")
    answer = html.split('id="rule-check"')[1].split("</section>")[0]
    assert "过渡期已于 2023-06-30 结束" in answer and "目前仍在过渡期内" not in answer
    assert "（已结束）" in html.split('class="trust-meta"')[1].split("</dl>")[0]


def test_feedback_on_a_guide_is_thanked(demo):
    guide = PolicyTransitionGuidePage.objects.get(slug="yingyexing-yanchu-xuke-wangban-xianjie")
    response = Client().post(f"/feedback/{guide.pk}/", {"helpful": "yes", "comment": ""}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "谢谢您的反馈" in html
    assert 'name="helpful"' not in html


@pytest.mark.parametrize("bad", ["2023-13-01", "昨天", "2023/05/01", "9999-01-01", "x" * 500])
def test_guide_bad_date_gives_chinese_message(demo, bad):
    guide = PolicyTransitionGuidePage.objects.get(slug="rongque-shouli-shixing-zhuan-changtai")
    response = get(f"{guide.url}?started={urllib.parse.quote(bad)}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "日期格式不正确" in html or "日期超出可判断的范围" in html
    assert "rule-verdict" not in html


def test_departments_pages(demo):
    html = text("/departments/")
    for dept in Department.objects.all():
        assert dept.name in html
    html = text("/departments/cm-xzfw/")
    assert "021-69690000" in html
    assert "变更法定代表人，新法人身份证原件没带来能办吗" in html
    assert "容缺受理由试行转为长效机制" in html
    assert get("/departments/no-such-dept/").status_code == 404


def test_tag_pages(demo):
    tag = Tag.objects.get(name="容缺受理")
    html = text(f"/tags/{urllib.parse.quote(tag.slug)}/")
    assert "容缺受理后，缺的材料怎么补" in html
    assert "容缺受理由试行转为长效机制" in html
    assert "小区停车难" not in html
    assert "容缺受理" in text("/tags/")
    assert get("/tags/no-such-tag/").status_code == 404


def test_feeds_list_new_guidance(demo):
    rss = text("/feeds/latest.rss")
    assert "<rss" in rss and "营业性演出许可改为全程网办" in rss and "租下的铺位前租户没注销" in rss
    atom = text("/feeds/latest.atom")
    assert "http://www.w3.org/2005/Atom" in atom and "小区停车难这类问题该找谁反映" in atom


def test_sitemap_and_robots(demo, settings):
    sitemap = text("/sitemap.xml")
    for page in SolutionArticlePage.objects.live():
        assert page.full_url in sitemap
    # The demo serves on WAGTAILADMIN_BASE_URL, so links a reader copies must point there, not to localhost.
    assert settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/" in sitemap and "http://localhost/" not in sitemap
    assert "http://localhost/" not in text("/feeds/latest.rss")
    robots = get("/robots.txt")
    assert robots.status_code == 200
    assert "Sitemap:" in robots.content.decode()
    assert "Disallow: /admin/" in robots.content.decode()


def test_404_is_friendly_chinese(demo):
    response = get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "/report/" in html


def test_unpublished_pages_never_reach_anonymous_readers(draft):
    assert get("/qiye-zhuxiao/caogao-zhuxiao/").status_code == 404
    assert "草稿：尚未审核的注销指引" not in text("/qiye-zhuxiao/")
    assert "草稿：尚未审核的注销指引" not in text("/")
    assert "草稿：尚未审核的注销指引" not in text("/feeds/latest.rss")
    assert "草稿：尚未审核的注销指引" not in text("/feeds/latest.atom")
    assert "caogao-zhuxiao" not in text("/sitemap.xml")
    assert "草稿：尚未审核的注销指引" not in text("/departments/qp-xzfw/")
    tag = Tag.objects.get(name="只在草稿里的标签")
    assert get(f"/tags/{urllib.parse.quote(tag.slug)}/").status_code == 404
    assert "只在草稿里的标签" not in text("/tags/")


def test_unpublishing_a_live_article_hides_it(demo):
    page = SolutionArticlePage.objects.get(slug="xiaoqu-tingche-nan-zhao-shei")
    url = page.url
    assert get(url).status_code == 200
    page.unpublish()
    cache.clear()
    assert get(url).status_code == 404
    assert page.title not in text("/zixun-zhuanban/")
    assert page.title not in text("/feeds/latest.rss")
    assert page.slug not in text("/sitemap.xml")
    assert "3 篇指引" not in text("/").split("办事咨询与转办")[1][:200]


def test_private_pages_are_not_listed(demo):
    from wagtail.models import PageViewRestriction

    page = SolutionArticlePage.objects.get(slug="xiaoqu-tingche-nan-zhao-shei")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert page.title not in text("/zixun-zhuanban/")
    assert page.slug not in text("/sitemap.xml")
    assert page.title not in text("/feeds/latest.rss")


def test_review_dates_on_demo_are_relative_to_today(demo):
    overdue = SolutionArticlePage.objects.filter(review_due__lt=datetime.date.today())
    assert list(overdue.values_list("slug", flat=True)) == ["xiaoqu-tingche-nan-zhao-shei"]


def test_load_demo_command_is_idempotent_and_prints_logins(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = out.getvalue()
    assert "bancheng-demo" in first
    for username in ("admin", "editor", "reviewer", "liaison"):
        assert username in first
    counts = (Page.objects.count(), Department.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Page.objects.count(), Department.objects.count()) == counts
    # django-axes needs the request behind every authentication attempt.
    assert Client().login(request=HttpRequest(), username="editor", password="bancheng-demo")


def test_long_listings_come_in_pages(demo):
    """An import can put hundreds of articles in one topic: readers get pages of 20."""
    topic = TopicIndexPage.objects.get(slug="qiye-zhuxiao")
    department = Department.objects.get(slug="cm-xzfw")
    tag = Tag.objects.get(name="容缺受理")
    base = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    for i in range(30):
        page = SolutionArticlePage(title=f"批量导入的注销指引第{i:02d}篇", slug=f"piliang-{i}", summary="摘要", problem="问题")
        page.departments = [department]
        page.tags.set(["容缺受理"])
        topic.add_child(instance=page)
        page.save_revision().publish()
        # Oldest first, so the first of them ends up last.
        SolutionArticlePage.objects.filter(pk=page.pk).update(first_published_at=base + datetime.timedelta(days=i))
    cache.clear()

    for url in (topic.url, "/departments/cm-xzfw/", f"/tags/{urllib.parse.quote(tag.slug)}/"):
        first = text(url)
        assert "批量导入的注销指引第29篇" in first and "批量导入的注销指引第00篇" not in first, url
        assert 'rel="next"' in first and 'rel="prev"' not in first
        pages = int(first.split("第 1 / ")[1].split(" 页")[0])
        last = text(f"{url}?page={pages}")
        assert "批量导入的注销指引第00篇" in last and 'rel="prev"' in last and 'rel="next"' not in last
        assert f"（第 {pages} 页）" in last.split("</title>")[0]
        # Guides stay on the first page; a bad page number is not an error.
        assert text(f"{url}?page=abc") == first
        assert text(f"{url}?page=999") == last
