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


def spray(address: str, username: str):
    """One wrong password for ``username`` from ``address``: a guesser trying many accounts."""
    return Client(REMOTE_ADDR=address).post("/admin/login/", {"username": username, "password": "guess"})


def test_rotating_addresses_within_a_64_does_not_walk_around_the_lockout(supervisor, settings):
    # IPv6 privacy addresses: one client may send each attempt from a fresh address in its /64.
    for n in range(settings.AXES_FAILURE_LIMIT):
        spray(f"2001:db8:9:1::{n + 1:x}", f"clerk{n}")
    locked = login(Client(REMOTE_ADDR="2001:db8:9:1:abcd::99"), PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多，账号已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session
    # Another subscriber's /64 is not locked out by this one's guesses.
    assert login(Client(REMOTE_ADDR="2001:db8:9:2::1"), PASSWORD).status_code == 302


def test_the_lockout_is_kept_per_64_behind_the_proxy_header(supervisor, settings):
    settings.BANCHENG_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The client writes what it likes on the left; our proxy appends the address it saw.
        Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 2001:db8:9:3::{n + 1:x}").post(
            "/admin/login/", {"username": f"clerk{n}", "password": "guess"}
        )
    assert login(Client(HTTP_X_FORWARDED_FOR="2001:db8:9:3::ffff"), PASSWORD).status_code == 429
    assert login(Client(HTTP_X_FORWARDED_FOR="2001:db8:9:3::ffff, 2001:db8:9:4::1"), PASSWORD).status_code == 302


def test_ipv4_clients_are_still_counted_one_address_each(supervisor, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        spray("203.0.113.5", f"clerk{n}")
    assert login(Client(REMOTE_ADDR="203.0.113.5"), PASSWORD).status_code == 429
    assert login(Client(REMOTE_ADDR="203.0.113.6"), PASSWORD).status_code == 302


def test_login_records_and_the_log_hold_no_full_ipv6_address(supervisor, settings, caplog):
    from axes.models import AccessAttempt, AccessLog

    caplog.set_level("DEBUG")
    for n in range(settings.AXES_FAILURE_LIMIT):
        spray(f"2001:db8:9:5::{n + 1:x}", f"clerk{n}")
    assert login(Client(REMOTE_ADDR="2001:db8:9:6::1234"), PASSWORD).status_code == 302
    # The records show the /64 as its first address, an address the column accepts.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"2001:db8:9:5::"}
    assert set(AccessLog.objects.values_list("ip_address", flat=True)) == {"2001:db8:9:6::"}
    # No address, not even the /64, and no typed username reaches the application log.
    assert "2001:db8" not in caplog.text and "clerk" not in caplog.text


def test_signing_in_to_ones_own_account_does_not_wipe_the_guesses_at_another(supervisor, settings):
    # An insider (or anyone holding one account) interleaves their own good login with guesses at
    # a colleague's password, from the same office address: their success must clear their own
    # failed attempts only, not the count against the colleague's account.
    get_user_model().objects.create_user("clerk", password=PASSWORD)
    office = Client(REMOTE_ADDR="198.51.100.20")
    guesses = 0
    for _round in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            if login(office, "guess").status_code == 200:
                guesses += 1
        office.post("/admin/login/", {"username": "clerk", "password": PASSWORD})
        office.logout()
    # The fifth wrong password locks the account (and the address); no good login unlocks it.
    assert guesses == settings.AXES_FAILURE_LIMIT - 1
    locked = login(Client(REMOTE_ADDR="203.0.113.50"), PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多，账号已暂时锁定" in locked.content.decode()


def test_a_colleagues_good_login_still_clears_their_own_typos_at_a_shared_office_address(supervisor, settings):
    get_user_model().objects.create_user("clerk", password=PASSWORD)
    office = Client(REMOTE_ADDR="198.51.100.21")
    for _ in range(3):  # typos by both, each followed by their own good login
        login(office, "typo")
        assert login(office, PASSWORD).status_code == 302
        office.logout()
        office.post("/admin/login/", {"username": "clerk", "password": "typo"})
        assert office.post("/admin/login/", {"username": "clerk", "password": PASSWORD}).status_code == 302
        office.logout()
    assert login(office, PASSWORD).status_code == 302
