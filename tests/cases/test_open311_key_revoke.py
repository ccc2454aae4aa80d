"""Revoking an API key asks first (Wagtail admin style): a GET only shows what stops working,
the POST revokes; nobody without the permission gets either."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cases.open311.models import ApiKey
from tests.cases.open311_helpers import issue_key, make_system, request_params
from tests.helpers import login

BASE = "/open311/v2"
LABEL = "测试 & <对接> \"引号\" '单引号' ＡＢＣ全角"


@pytest.fixture
def hotline(hongkou):
    return make_system(district=hongkou)


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("root", "root@example.com", "pw-123456")


def revoke_url(key):
    return f"/admin/integrations/keys/revoke/{key.pk}/"


def test_get_asks_with_the_keys_name_and_what_stops_working_and_never_revokes(hotline, admin):
    key, raw = issue_key(hotline, label=LABEL)
    assert Client().post(f"{BASE}/requests.json", request_params(raw)).status_code == 201
    client = login(admin)
    inspect = client.get(f"/admin/integrations/keys/inspect/{key.pk}/").content.decode()
    assert f'href="{revoke_url(key)}"' in inspect
    for _ in range(2):
        response = client.get(revoke_url(key))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "确定要吊销“12345市民服务热线”的接口密钥" in html and f"（{key.prefix}…）吗？" in html
    # The label is shown as typed, escaped.
    assert "测试 &amp; &lt;对接&gt; &quot;引号&quot; &#x27;单引号&#x27; ＡＢＣ全角" in html
    assert "<对接>" not in html
    assert "通过接口提交新案件" in html and "1 件案件不受影响" in html and "吊销接口密钥" in html
    assert 'data-testid="last-key"' in html and 'data-testid="confirm-revoke"' in html
    key.refresh_from_db()
    assert key.revoked_at is None
    assert Client().post(f"{BASE}/requests.json", request_params(raw)).status_code == 201
    # The inspect page no longer revokes on a POST of its own.
    assert client.post(f"/admin/integrations/keys/inspect/{key.pk}/").status_code == 405
    key.refresh_from_db()
    assert key.revoked_at is None


def test_post_revokes_audits_and_the_page_then_says_so(hotline, admin, caplog):
    key, raw = issue_key(hotline)
    issue_key(hotline, label="备用")
    client = login(admin)
    assert "另有 1 个有效密钥" in client.get(revoke_url(key)).content.decode()
    with caplog.at_level(logging.INFO, logger="cases.open311.services"):
        response = client.post(revoke_url(key), follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/integrations/keys/inspect/{key.pk}/"
    assert "密钥已吊销" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin
    assert f"api key revoked id={key.pk}" in caplog.text
    assert Client().post(f"{BASE}/requests.json", request_params(raw)).status_code == 403
    # Asking again, or posting again, changes nothing.
    revoked_at = key.revoked_at
    again = client.get(revoke_url(key)).content.decode()
    assert "此密钥已于" in again and 'data-testid="confirm-revoke"' not in again
    client.post(revoke_url(key))
    key.refresh_from_db()
    assert key.revoked_at == revoked_at


def test_without_the_permission_neither_the_page_nor_the_post(hotline, window_user):
    key, _raw = issue_key(hotline)
    client = login(window_user)
    assert client.get(revoke_url(key)).status_code in (302, 403)
    assert client.post(revoke_url(key)).status_code in (302, 403)
    assert Client().get(revoke_url(key)).status_code == 302  # anonymous: to the sign-in page
    key.refresh_from_db()
    assert key.revoked_at is None
    assert login(User.objects.create_superuser("r2", "r2@example.com", "pw")).get(
        "/admin/integrations/keys/revoke/999999/").status_code == 404


def test_a_label_of_10000_characters_is_refused_cleanly(hotline, admin):
    response = login(admin).post("/admin/integrations/keys/new/", {"system": hotline.pk, "label": "密" * 10_000})
    assert response.status_code == 200
    assert "最多 100 个字" in response.content.decode() or "100" in response.content.decode()
    assert ApiKey.objects.count() == 0
