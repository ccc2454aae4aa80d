"""进度查询 asks for a tracking number (issued in sequence) and the last four digits of the phone:
10,000 guesses. The per-client limit alone falls to anyone holding many addresses (one IPv6 /48
is 65,536 /64s); the guesses at one tracking number are bounded too, whoever sends them."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from cases.models import Case

pytestmark = pytest.mark.django_db


def lookup(address: str, number: str, last4: str):
    return Client(REMOTE_ADDR=address).post(
        reverse("cases_public:status"), {"step": "lookup", "tracking_number": number, "phone_last4": last4}
    )


@override_settings(CASES_LOOKUP_NUMBER_LIMIT=(5, 3600))
def test_guessing_one_cases_phone_digits_from_many_addresses_is_stopped(dispatched_case, triage_user):
    number = dispatched_case.tracking_number
    answers = [lookup(f"2001:db8:{n:x}::1", number, f"{n:04d}").status_code for n in range(5)]
    assert answers == [404] * 5
    # From yet another /64, even the right digits: the number is closed to lookups for now,
    # or the refusal of wrong guesses alone would tell the guesser when they hit.
    refused = lookup("2001:db8:ff::1", number, "1234")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "该受理编号查询次数过多" in html and "12345" in html and "办理中" not in html
    # Typed otherwise (lower case, spaces, full width), it is the same number.
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in number)
    for typed in (number.lower(), f" {number} ", full_width):
        assert lookup("2001:db8:fe::1", typed, "1234").status_code == 429


@override_settings(CASES_LOOKUP_NUMBER_LIMIT=(5, 3600))
def test_other_numbers_and_unknown_numbers_are_not_affected_nor_told_apart(dispatched_case, qingpu_case):
    for n in range(5):
        lookup(f"2001:db8:{n:x}::1", "BCS-2099-999999", f"{n:04d}")
    # A number nobody holds is closed the same way: the refusal says nothing about existence.
    assert lookup("2001:db8:ff::1", "BCS-2099-999999", "0000").status_code == 429
    # The reporter of another case still finds theirs.
    found = lookup("2001:db8:ff::1", dispatched_case.tracking_number, "1234")
    assert found.status_code == 302
    assert Case.objects.filter(pk=dispatched_case.pk).exists()
