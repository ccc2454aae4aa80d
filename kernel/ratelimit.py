"""One rate limiter for every public form and endpoint.

Counts live in Django's default cache (shared by all worker processes in
production), keyed on the client address that the configured proxy header
gives, so a client cannot walk around a limit by changing other headers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """Who is asking, for rate limits only: never logged or stored with a record.

    Behind a reverse proxy ``BANCHENG_CLIENT_IP_HEADER`` names the header it sets;
    in an X-Forwarded-For style list only the right-most entry, added by our own
    proxy, cannot be forged by the client.
    """
    header = getattr(settings, "BANCHENG_CLIENT_IP_HEADER", None)
    value = request.META.get(header, "").rsplit(",", 1)[-1].strip() if header else ""
    return value or request.META.get("REMOTE_ADDR", "unknown")


@dataclass(frozen=True)
class Limit:
    """``count`` requests per ``window`` seconds within one ``scope``."""

    scope: str
    count: int
    window: int

    def _key(self, key: str) -> str:
        return f"ratelimit:{self.scope}:{key}"

    def used(self, key: str) -> int:
        return cache.get(self._key(key), 0)

    def hit(self, key: str) -> int:
        """Count one request atomically and return the count so far in this window."""
        cache_key = self._key(key)
        cache.add(cache_key, 0, self.window)
        try:
            return cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, self.window)
            return 1

    def exceeded(self, key: str) -> bool:
        """Count this request and say whether it is over the limit."""
        return self.hit(key) > self.count

    def reached(self, key: str) -> bool:
        """Whether the limit is already used up, without counting a request."""
        return self.used(key) >= self.count


def limit_from_settings(scope: str, setting: str, default: tuple[int, int]) -> Limit:
    count, window = getattr(settings, setting, default)
    return Limit(scope=scope, count=count, window=window)
