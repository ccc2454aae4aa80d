"""这篇内容有帮助吗？ — stored as plain text, rate-limited, never half-saved."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from knowledge import services
from knowledge.models import ArticleFeedback, SolutionArticlePage

pytestmark = pytest.mark.django_db

SLUG = "rongque-shouli-cailiao-zenme-bu"


@pytest.fixture
def article(demo):
    return SolutionArticlePage.objects.get(slug=SLUG)


def post(article, client=None, **data):
    client = client or Client(enforce_csrf_checks=True)
    return client.post(reverse("knowledge:feedback", args=(article.pk,)), data)


def test_article_page_offers_feedback_form_without_csrf_token(article):
    html = Client().get(article.url).content.decode()
    assert "这篇内容有帮助吗？" in html
    assert "csrfmiddlewaretoken" not in html
    assert reverse("knowledge:feedback", args=(article.pk,)) in html


def test_helpful_feedback_is_stored_and_thanked(article):
    response = post(article, helpful="yes", comment="写得很清楚，公益邮寄办省了一趟")
    assert response.status_code == 302
    assert response["Location"] == f"{article.url}?feedback=thanks#feedback"
    feedback = ArticleFeedback.objects.get()
    assert feedback.helpful is True
    assert feedback.comment == "写得很清楚，公益邮寄办省了一趟"
    page = Client().get(response["Location"]).content.decode()
    assert "谢谢您的反馈" in page
    assert "Set-Cookie" not in str(response.headers)


def test_typed_script_is_stored_as_text_and_shown_escaped(article, demo_user):
    typed = "<script>alert('x')</script>没用 A&B \"引号\" ＡＢＣ"
    response = post(article, helpful="no", comment=typed)
    assert response.status_code == 302
    assert ArticleFeedback.objects.get().comment == typed
    staff = Client()
    staff.force_login(demo_user("reviewer"))
    html = staff.get("/admin/article_feedback/").content.decode()
    assert "<script>alert('x')" not in html  # shown as text, never executed
    assert escape(typed) in html


def test_over_long_comment_is_rejected_with_chinese_message(article):
    response = post(article, helpful="yes", comment="很" * 501)
    assert response.status_code == 400
    assert "最多 500 个字" in response.content.decode()
    assert ArticleFeedback.objects.count() == 0


def test_missing_choice_and_honeypot(article):
    response = post(article, comment="没选")
    assert response.status_code == 400
    assert "请选择" in response.content.decode()
    response = post(article, helpful="yes", website="http://spam.example")
    assert response.status_code == 400
    assert ArticleFeedback.objects.count() == 0


def test_rate_limit_per_client(article):
    client = Client(HTTP_USER_AGENT="reader-a", REMOTE_ADDR="198.51.100.7")
    for _ in range(services.FEEDBACK_RATE_LIMIT):
        assert post(article, client=client, helpful="yes").status_code == 302
    response = post(article, client=client, helpful="yes")
    assert response.status_code == 400
    assert "提交过于频繁，请稍后再试" in response.content.decode()
    assert ArticleFeedback.objects.count() == services.FEEDBACK_RATE_LIMIT
    # Another client is not affected.
    assert post(article, client=Client(REMOTE_ADDR="198.51.100.8"), helpful="no").status_code == 302


def test_a_new_user_agent_buys_no_fresh_quota(article):
    for i in range(30):
        post(article, client=Client(HTTP_USER_AGENT=f"agent-{i}", REMOTE_ADDR="198.51.100.9"), helpful="yes")
    assert ArticleFeedback.objects.count() == services.FEEDBACK_RATE_LIMIT


def test_limit_keys_on_the_proxy_header(article, settings):
    settings.BANCHENG_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    # Every reader arrives from the proxy's address; the header tells them apart.
    for reader in ("203.0.113.1", "203.0.113.2"):
        for _ in range(services.FEEDBACK_RATE_LIMIT + 2):
            post(article, client=Client(HTTP_X_REAL_IP=reader), helpful="yes")
    assert ArticleFeedback.objects.count() == 2 * services.FEEDBACK_RATE_LIMIT


def test_feedback_on_unpublished_page_is_404(article):
    article.unpublish()
    assert post(article, helpful="yes").status_code == 404
    assert ArticleFeedback.objects.count() == 0


def test_get_is_not_allowed(article):
    assert Client().get(reverse("knowledge:feedback", args=(article.pk,))).status_code == 405


def test_service_keeps_plain_text_and_validates(article):
    fb = services.feedback_create(page=article, helpful=False, comment="  a < b & c <b>粗体</b>\x00 ", client_key="k")
    assert fb.comment == "a < b & c <b>粗体</b>"
    with pytest.raises(ValidationError):
        services.feedback_create(page=article, helpful=False, comment="很" * 501, client_key="k")
    assert ArticleFeedback.objects.count() == 1


def test_staff_list_feedback_read_only(article, demo_user):
    services.feedback_create(page=article, helpful=True, comment="有用", client_key="k")
    client = Client()
    client.force_login(demo_user("reviewer"))
    response = client.get("/admin/article_feedback/")
    assert response.status_code == 200
    assert "有用" in response.content.decode()
    assert client.get("/admin/article_feedback/?helpful=false").status_code == 200
    add = client.get("/admin/article_feedback/new/")
    assert add.status_code in (302, 403)
    assert ArticleFeedback.objects.count() == 1


def test_feedback_csv_is_safe_to_open_in_excel(article, django_user_model):
    post(article, helpful="no", comment="=HYPERLINK(\"http://example.invalid\",\"点我\")")
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("boss", "boss@example.invalid", "x"))
    response = admin.get(reverse("article_feedback:index"), {"export": "csv"})
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK" in body.decode("utf-8-sig")


def test_staff_feedback_list_inspect_and_export_say_yes_or_no_in_chinese(article, demo_user):
    services.feedback_create(page=article, helpful=True, comment="有用", client_key="k")
    services.feedback_create(page=article, helpful=False, comment="没找到", client_key="k2")
    client = Client()
    client.force_login(demo_user("reviewer"))
    listing = client.get("/admin/article_feedback/").content.decode()
    assert "True" not in listing and "False" not in listing
    cells = [cell for cell in listing.split("<td")[1:] if "icon-check" in cell or "icon-cross" in cell]
    assert any("是" in cell for cell in cells) and any("否" in cell for cell in cells)
    assert "下载 XLSX" in listing and "下载 CSV" in listing

    fb = ArticleFeedback.objects.get(comment="没找到")
    inspect = client.get(reverse("article_feedback:inspect", args=(fb.pk,))).content.decode()
    title = re.search(r"<title>(.*?)</title>", inspect, re.S).group(1)
    assert "查看" in title and "检查" not in title
    assert "False" not in inspect and "否" in inspect

    export = client.get(reverse("article_feedback:index"), {"export": "csv"})
    rows = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "False" not in rows and "True" not in rows
    assert "没找到" in rows and ",否," in rows and ",是," in rows


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.evil.example"])
def test_a_vote_posted_from_another_site_is_refused(article, origin):
    # A page elsewhere could make each of its visitors' browsers vote 没帮助 here, every visitor a
    # distinct reader to the ranking and the review report; a browser names the site in Origin.
    response = post(article, client=Client(HTTP_ORIGIN=origin), helpful="no", comment="刷票")
    assert response.status_code == 403
    assert "反馈没有保存" in response.content.decode()
    assert ArticleFeedback.objects.count() == 0


def test_a_vote_from_our_own_page_or_a_browser_without_origin_is_kept(article):
    assert post(article, client=Client(HTTP_ORIGIN="http://testserver"), helpful="no").status_code == 302
    assert post(article, client=Client(REMOTE_ADDR="198.51.100.30"), helpful="yes").status_code == 302
    assert ArticleFeedback.objects.count() == 2
