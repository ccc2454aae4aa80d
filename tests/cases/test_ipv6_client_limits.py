"""An IPv6 client holds a whole /64 and may send from any address in it: the report quota and
Open311's key-guessing limit count the /64, so rotating addresses buys no fresh quota."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from cases.models import Case
from tests.cases.open311_helpers import make_system

from .test_public import report_data

pytestmark = pytest.mark.django_db


@override_settings(CASES_REPORT_RATE_LIMIT=(1, 3600))
def test_rotating_addresses_within_a_64_files_one_report(hongkou):
    url = reverse("cases_public:report")

    def post(address: str, key: str) -> int:
        return Client(REMOTE_ADDR=address).post(url, report_data(hongkou, idempotency_key=key)).status_code

    assert post("2001:db8:7:1::1", "a1") == 302
    assert [post(f"2001:db8:7:1::{n:x}", f"a{n}") for n in range(2, 5)] == [429, 429, 429]
    assert post("2001:db8:7:2::1", "b1") == 302  # another subscriber
    assert Case.objects.count() == 2


@override_settings(OPEN311_BAD_KEY_RATE_LIMIT=(3, 600))
def test_guessing_open311_keys_from_rotating_addresses_is_limited(hongkou):
    make_system(district=hongkou, count=5, window=3600)
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:7:3::{n + 1:x}").get("/open311/v2/services.json", HTTP_X_API_KEY=f"bc_guess{n}")
        .status_code
        for n in range(5)
    ]
    assert statuses == [403, 403, 403, 429, 429]
