"""While the database restarts every reader, staff or public, gets a clear 503 page, not a server error.

The real restart under load is the fault drill `postgresql-restarted`
(`python -m portal.loadtest drills`, run by `make test`).
"""

import socket
import uuid
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from cases.models import StaffProfile
from knowledge.models import District
from tests.helpers import login


def _assert_clear_503(response, path):
    assert response.status_code == 503, path
    assert response["Retry-After"] == "30", path
    assert response["Cache-Control"] == "no-store", path
    html = response.content.decode()
    assert "服务暂时不可用" in html and "12345" in html, path
    assert "Traceback" not in html and "OperationalError" not in html, path


@contextmanager
def database_unreachable():
    """The real driver fails to connect, as while PostgreSQL restarts: a closed port on
    PostgreSQL, a file that cannot be opened on SQLite. Nothing in Django is replaced."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = f"/nonexistent-{uuid.uuid4().hex}/db.sqlite3"
    else:
        with socket.socket() as s:  # a port nothing listens on: connection refused
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db
def test_database_gone_answers_503_in_chinese_with_retry(client, settings):
    settings.ROOT_URLCONF = "tests.portal.database_down_urls"
    client.raise_request_exception = False
    _assert_clear_503(client.get("/needs-database/"), "/needs-database/")


@pytest.mark.django_db
def test_pages_that_reach_the_database_are_untouched(client, settings):
    settings.ROOT_URLCONF = "tests.portal.database_down_urls"
    response = client.get("/")
    assert response.status_code == 200
    assert "服务暂时不可用" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_staff_and_public_pages_answer_503_while_the_database_is_away_then_work_again(caplog):
    """A signed-in clerk's session is loaded and saved by middleware, outside any view:
    that once answered 500 ('SessionStore' object has no attribute '_session_cache')."""
    user = User.objects.create_user("triage-503", password="test-pass-123")
    user.groups.add(Group.objects.get(name="研判员"))
    StaffProfile.objects.create(user=user, district=District.objects.get(code="hongkou"))
    staff = login(user)
    staff.raise_request_exception = False
    public = login(user)
    public.logout()
    public.raise_request_exception = False
    assert staff.get("/admin/cases/case/").status_code == 200

    search = f"/search/?q={uuid.uuid4().hex[:8]}"  # never asked before: not in the page cache
    with database_unreachable():
        for path in ("/admin/cases/case/", "/admin/", "/"):
            _assert_clear_503(staff.get(path), f"staff {path}")
        for path in (search, "/report/", "/report/status/"):
            _assert_clear_503(public.get(path), f"public {path}")

    # Each such request is one log line that says why, not tracebacks.
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged and all(r.exc_info is None and "database unavailable" in r.getMessage() for r in logged)
    assert any(r.getMessage().startswith("Service Unavailable: /admin/cases/case/") for r in logged)

    # Back, in the same process: the clerk is still signed in, the pages answer again.
    response = staff.get("/admin/cases/case/")
    assert response.status_code == 200
    assert "服务暂时不可用" not in response.content.decode()
    assert public.get(search).status_code == 200
    assert public.get("/report/").status_code == 200
