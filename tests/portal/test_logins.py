"""Staff logins: throttled with a Chinese lockout page and an audit entry; short sessions; password rules."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from wagtail.models import ModelLogEntry

pytestmark = pytest.mark.django_db

PASSWORD = "bancheng-demo-2026"


@pytest.fixture
def supervisor():
    user = get_user_model().objects.create_user("supervisor", password=PASSWORD, is_superuser=True)
    return user


def login(client, password, **headers):
    return client.post("/admin/login/", {"username": "supervisor", "password": password}, **headers)


def test_wrong_passwords_lock_the_account_even_for_the_right_one(supervisor, settings):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        # A different browser and a forged proxy header each time buy nothing.
        response = login(Client(HTTP_USER_AGENT=f"agent-{i}", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"), f"guess-{i}")
        assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session
    locked = login(Client(), "guess-last")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多，账号已暂时锁定" in html and "15 分钟" in html
    right = login(Client(REMOTE_ADDR="198.51.100.77"), PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in right.wsgi_request.session
    entries = ModelLogEntry.objects.filter(action="bancheng.login_locked_out")
    assert entries.exists() and {e.object_id for e in entries} == {str(supervisor.pk)}
    assert not any("198.51.100" in str(e.data) for e in entries)  # no address in the audit entry


def test_a_successful_login_resets_the_count(supervisor, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302


def test_staff_session_ends_with_the_browser_and_after_a_working_day_idle(supervisor):
    client = Client()
    response = login(client, PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 3600
    # Each request restarts the idle clock.
    assert client.get("/admin/").cookies.get("sessionid") is not None


@pytest.mark.parametrize("password", ["12345678", "password123", "supervisor2026", "1234567890123"])
def test_weak_passwords_are_refused(supervisor, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=supervisor)


def test_wagtail_user_form_applies_the_validators(supervisor):
    client = Client()
    client.force_login(supervisor)
    from django.urls import reverse

    response = client.post(reverse("wagtailusers_users:add"), {
        "username": "newclerk", "email": "clerk@example.invalid", "first_name": "新", "last_name": "职员",
        "password1": "12345678", "password2": "12345678",
    })
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="newclerk").exists()
