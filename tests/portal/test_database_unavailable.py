"""While the database restarts a reader gets a clear 503 page, not a server error.

The real restart under load is the fault drill `postgresql-restarted`
(`python -m portal.loadtest drills`, run by `make test`).
"""

import pytest


@pytest.mark.django_db
def test_database_gone_answers_503_in_chinese_with_retry(client, settings):
    settings.ROOT_URLCONF = "tests.portal.database_down_urls"
    client.raise_request_exception = False
    response = client.get("/needs-database/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "服务暂时不可用" in html and "12345" in html
    assert "Traceback" not in html and "OperationalError" not in html


@pytest.mark.django_db
def test_pages_that_reach_the_database_are_untouched(client, settings):
    settings.ROOT_URLCONF = "tests.portal.database_down_urls"
    response = client.get("/")
    assert response.status_code == 200
    assert "服务暂时不可用" not in response.content.decode()
