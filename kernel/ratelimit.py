"""One rate limiter for every public form and endpoint.

Counts live in the database (``kernel.models.RateCounter``), so every worker
process sees the same numbers and each count is one atomic row update: thirty
concurrent requests against a limit of five let exactly five through, which
the file cache shared by production workers cannot promise (its ``incr`` is a
read followed by a write). A window starts at a client's first request in it,
as a cache timeout would. Requests are keyed on the client address that the
configured proxy header gives, so changing other headers buys no fresh quota.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone


def client_address(request) -> str:
    """Who is asking, for rate limits only: never logged or stored with a record.

    Behind a reverse proxy ``BANCHENG_CLIENT_IP_HEADER`` names the header it sets;
    in an X-Forwarded-For style list only the right-most entry, added by our own
    proxy, cannot be forged by the client.
    """
    header = getattr(settings, "BANCHENG_CLIENT_IP_HEADER", None)
    value = request.META.get(header, "").rsplit(",", 1)[-1].strip() if header else ""
    return value or request.META.get("REMOTE_ADDR", "unknown")


def subscriber_address(address: str) -> str:
    """The part of ``address`` one subscriber holds: an IPv6 address's /64 (a single host may
    use any address in it, and privacy extensions rotate them), an IPv4 address (also one
    mapped into IPv6) as it is. For counting distinct readers; anything else unchanged."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def opaque_key(*parts: str) -> str:
    """A keyed hash of ``parts``: stable for counting, useless for finding who it was."""
    raw = "\x1f".join(parts).encode("utf-8", "surrogateescape")
    return hmac.new(settings.SECRET_KEY.encode(), raw, hashlib.sha256).hexdigest()[:64]


def _counter_model():
    from .models import RateCounter

    return RateCounter


def _add(key: str, amount: int, window: int) -> int:
    """Add ``amount`` to the counter ``key`` (a fresh window if it expired) and return its value."""
    RateCounter = _counter_model()
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=window)
    with transaction.atomic():
        if RateCounter.objects.filter(key=key, expires_at__gt=now).update(count=F("count") + amount):
            return RateCounter.objects.values_list("count", flat=True).get(key=key)
        row = RateCounter.objects.select_for_update().filter(key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, count=amount, expires_at=expires)
                return amount
            except IntegrityError:  # another request created it first: count on top of theirs
                row = RateCounter.objects.select_for_update().get(key=key)
        if row.expires_at > now:
            row.count += amount
        else:
            row.count, row.expires_at = amount, expires
        row.save(update_fields=["count", "expires_at"])
        return row.count


def client_ip_or_none(request) -> str | None:
    """The client as an IP address, for records that store one (django-axes' login lockout
    and log): an IPv4 address as it is, an IPv6 client as the first address of its /64, so
    rotating addresses within the /64 counts as one client, as every other rate limit does.
    None when ``client_address`` is no IP address: a login without a network request
    (``force_login``, a management command) or a mangled proxy header has none, and
    PostgreSQL refuses anything else in an IP column."""
    value = client_address(request)
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address)
    return str(ip)


@dataclass(frozen=True)
class Limit:
    """``count`` requests per ``window`` seconds within one ``scope``."""

    scope: str
    count: int
    window: int

    def _key(self, key: str) -> str:
        return opaque_key("ratelimit", self.scope, key)

    def used(self, key: str) -> int:
        row = (
            _counter_model()
            .objects.filter(key=self._key(key), expires_at__gt=timezone.now())
            .values_list("count", flat=True)
            .first()
        )
        return row or 0

    def hit(self, key: str) -> int:
        """Count one request atomically and return the count so far in this window."""
        return _add(self._key(key), 1, self.window)

    def exceeded(self, key: str) -> bool:
        """Count this request and say whether it is over the limit."""
        return self.hit(key) > self.count

    def reached(self, key: str) -> bool:
        """Whether the limit is already used up, without counting a request."""
        return self.used(key) >= self.count

    def request_exceeded(self, request, *extra: str) -> bool:
        """``exceeded`` for the client making ``request`` (``extra`` narrows it, e.g. to one page);
        an IPv6 client by its /64, so rotating addresses within it buys no fresh quota."""
        return self.exceeded(":".join((subscriber_address(client_address(request)), *extra)))

    # --- a quota spent once per piece of work, however often it is sent ---------

    def take(self, key: str, *, once_for: str) -> bool:
        """Spend one unit for the work ``once_for`` (an idempotency key) unless it is spent already.

        True when the work may go ahead: either this call spent a unit within the
        limit, or an earlier or concurrent request for the same work did. False
        (nothing spent) when the limit is used up. Atomic: concurrent calls for
        different work never let more than ``count`` through.
        """
        token = opaque_key("ratelimit-once", self.scope, key, once_for)
        try:
            with transaction.atomic():
                if _add(token, 1, self.window) > 1:
                    return True  # this work already holds a unit
                if _add(self._key(key), 1, self.window) > self.count:
                    raise _OverLimit
                return True
        except _OverLimit:  # the transaction rolled back: neither the token nor the unit stays
            return False

    def give_back(self, key: str, *, once_for: str) -> None:
        """Return the unit ``take`` spent for work that was not accepted after all."""
        RateCounter = _counter_model()
        token = opaque_key("ratelimit-once", self.scope, key, once_for)
        with transaction.atomic():
            if RateCounter.objects.filter(key=token).delete()[0]:
                RateCounter.objects.filter(key=self._key(key), count__gt=0).update(count=F("count") - 1)


class _OverLimit(Exception):
    pass


def limit_from_settings(scope: str, setting: str, default: tuple[int, int]) -> Limit:
    count, window = getattr(settings, setting, default)
    return Limit(scope=scope, count=count, window=window)


def prune_expired() -> int:
    """Delete counters whose window has passed; returns how many."""
    return _counter_model().objects.filter(expires_at__lte=timezone.now()).delete()[0]
