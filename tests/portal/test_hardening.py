"""Production hardening: Chinese error pages without technical advice, CSP, frame denial, check --deploy."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from knowledge.models import SolutionArticlePage

pytestmark = pytest.mark.django_db

TECHNICAL = ("DEBUG", "Bad Request", "CSRF", "Forbidden", "settings", "Traceback", "ALLOWED_HOSTS")


def assert_chinese_error(response, status, heading):
    html = response.content.decode()
    assert response.status_code == status
    assert heading in html and "12345" in html
    for word in TECHNICAL:
        assert word not in html, word


def test_bad_host_gets_a_chinese_400(settings):
    settings.ALLOWED_HOSTS = ["bancheng.example.gov.cn"]
    response = Client().get("/", HTTP_HOST="evil.example")
    assert_chinese_error(response, 400, "请求无法处理")


def test_oversized_body_and_too_many_fields_get_a_chinese_400():
    client = Client(raise_request_exception=False)
    big = client.post("/report/", {"matter": "办" * (3 * 1024 * 1024)})
    assert_chinese_error(big, 400, "请求无法处理")
    many = client.post("/report/", {f"f{i}": "1" for i in range(20_000)})
    assert_chinese_error(many, 400, "请求无法处理")


def test_csrf_failure_page_gives_no_technical_advice():
    response = Client(enforce_csrf_checks=True).post("/report/", {"reporter_name": "张三"})
    assert_chinese_error(response, 403, "页面已过期")


def test_405_has_a_chinese_page_and_keeps_allow(demo):
    article = SolutionArticlePage.objects.live().first()
    response = Client().get(f"/feedback/{article.pk}/")
    assert_chinese_error(response, 405, "无法以这种方式访问")
    assert response["Allow"] == "POST"
    # A JSON API keeps its bare status.
    assert Client().post("/api/search/", {"q": "注销"}).status_code == 405


def test_403_page():
    from django.test import RequestFactory

    from portal.views import permission_denied

    assert_chinese_error(permission_denied(RequestFactory().get("/")), 403, "没有访问权限")


PUBLIC_URLS = ["/", "/search/?q=注销", "/report/", "/report/status/", "/policies/", "/departments/"]


def test_public_pages_have_csp_and_no_inline_script(demo):
    client = Client()
    article = SolutionArticlePage.objects.live().first()
    for url in PUBLIC_URLS + [article.url]:
        for _ in range(2):  # rendered, then from the anonymous page cache
            response = client.get(url)
            assert response.status_code == 200, url
            policy = response["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy
            assert "frame-ancestors 'none'" in policy and response["X-Frame-Options"] == "DENY"
            html = response.content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
            assert not re.search(r"\son[a-z]+=\"", html) and ' style="' not in html, url
            # An inline <style> block is refused by style-src 'self' just the same (the report
            # form lost its layout that way).
            assert "<style" not in html, url


def test_admin_is_left_to_wagtail(admin_client):
    response = admin_client.get("/admin/")
    assert "Content-Security-Policy" not in response


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-not-a-real-secret-but-long-and-random-enough-9f8e7d",
        "DJANGO_ALLOWED_HOSTS": "bancheng.example.gov.cn",
        "BANCHENG_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test runner for Playwright, never in deployment
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
