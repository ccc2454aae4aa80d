"""kernel.ratelimit: one limiter, atomic across threads and processes, a unit per idempotency key."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import RequestFactory

from kernel.models import RateCounter
from kernel.ratelimit import Limit, client_address, prune_expired


def _in_threads(fn, n):
    def run(i):
        try:
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_takes_against_five_let_exactly_five_through():
    limit = Limit("t-take", 5, 3600)
    results = _in_threads(lambda i: limit.take("203.0.113.5", once_for=f"report-{i}"), 30)
    assert results.count(True) == 5
    assert limit.used("203.0.113.5") == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_key_spend_one_unit():
    limit = Limit("t-once", 5, 3600)
    assert all(_in_threads(lambda i: limit.take("203.0.113.6", once_for="same-report"), 20))
    assert limit.used("203.0.113.6") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted():
    limit = Limit("t-hit", 100, 3600)
    counts = _in_threads(lambda i: limit.hit("203.0.113.7"), 24)
    assert sorted(counts) == list(range(1, 25))


@pytest.mark.django_db
def test_give_back_returns_the_unit_and_forgets_the_key():
    limit = Limit("t-back", 1, 3600)
    assert limit.take("a", once_for="k1")
    assert not limit.take("a", once_for="k2")
    limit.give_back("a", once_for="k1")
    assert limit.used("a") == 0
    assert limit.take("a", once_for="k2")
    limit.give_back("a", once_for="never-taken")  # nothing to return: nothing changes
    assert limit.used("a") == 1


@pytest.mark.django_db
def test_windows_expire_and_are_pruned(monkeypatch):
    import datetime

    from django.utils import timezone

    limit = Limit("t-window", 2, 60)
    assert [limit.exceeded("b") for _ in range(3)] == [False, False, True]
    later = timezone.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert limit.used("b") == 0 and not limit.exceeded("b")
    RateCounter.objects.update(expires_at=later - datetime.timedelta(seconds=1))
    assert prune_expired() == 1 and not RateCounter.objects.exists()


@pytest.mark.django_db
def test_no_address_is_stored():
    Limit("t-store", 5, 60).hit("198.51.100.23")
    assert "198.51.100.23" not in " ".join(RateCounter.objects.values_list("key", flat=True))


def test_client_address_uses_only_the_proxys_entry(settings):
    factory = RequestFactory()
    request = factory.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "10.0.0.1"
    settings.BANCHENG_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_address(request) == "203.0.113.9"
    assert client_address(factory.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_subscriber_address_is_the_64_of_an_ipv6_address():
    from kernel.ratelimit import subscriber_address

    assert subscriber_address("2001:db8:5:7:aaaa::1") == subscriber_address("2001:DB8:5:7::ffff") == "2001:db8:5:7::/64"
    assert subscriber_address("2001:db8:5:8::1") != subscriber_address("2001:db8:5:7::1")
    assert subscriber_address("203.0.113.9") == subscriber_address("::ffff:203.0.113.9") == "203.0.113.9"
    assert subscriber_address("unknown") == "unknown" and subscriber_address("") == ""


@pytest.mark.django_db
def test_rotating_ipv6_addresses_within_a_64_buys_no_fresh_quota():
    factory = RequestFactory()
    limit = Limit("t-ipv6", 3, 60)
    spent = [limit.request_exceeded(factory.get("/", REMOTE_ADDR=f"2001:db8:9:1::{n + 1:x}")) for n in range(5)]
    assert spent == [False, False, False, True, True]
    assert not limit.request_exceeded(factory.get("/", REMOTE_ADDR="2001:db8:9:2::1"))  # another subscriber
