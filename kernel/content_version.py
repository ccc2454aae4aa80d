"""The public content version: one number that changes whenever what anonymous
readers can see changes (a page published, a taxonomy snippet saved, the search
index updated).

It lives in the kernel because every layer needs it: the page cache (portal) keys
pages on it, search keys cached answers on it, knowledge bumps it after a change
that bypasses Wagtail's signals. It is kept in Django's cache framework, in the
cache and under the key prefix the page cache is configured with
(``BANCHENG_PAGE_CACHE`` ``CACHE`` and ``KEY_PREFIX``).

Beside it, the staff index version (``staff_index_version``): the same kind of number for the
staff-only search documents (the case library), which the public version leaves alone.
"""

from __future__ import annotations

import contextlib
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.dispatch import Signal

DEFAULT_CACHE = "default"
DEFAULT_KEY_PREFIX = "bancheng:page"

# Sent with ``request=`` when a response is replayed from the page cache without
# running its view, so per-request bookkeeping (search analytics) still counts it.
page_served_from_cache = Signal()


def _cache_and_key():
    config = getattr(settings, "BANCHENG_PAGE_CACHE", {})
    prefix = config.get("KEY_PREFIX", DEFAULT_KEY_PREFIX)
    return caches[config.get("CACHE", DEFAULT_CACHE)], f"{prefix}:version"


def _read(cache, key) -> int:
    version = cache.get(key)
    if version is None:
        # A time-based start never reuses a number from before an eviction.
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key, 0)
    return version


def _increment(cache, key) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, time.time_ns(), timeout=None)


def content_version() -> int:
    return _read(*_cache_and_key())


def bump_content_version() -> None:
    """Invalidate everything keyed on the version (call after any public content change)."""
    if getattr(_coalesced, "active", False) and _bump_pending():
        return  # see bumps_coalesced()
    _bump()
    # Bump again after commit: a request that read the new version before the
    # change was committed may have stored a page rendered from old data.
    transaction.on_commit(_bump)


_coalesced = threading.local()


@contextlib.contextmanager
def bumps_coalesced():
    """One bump now and one at commit for all the changes of a bulk write's transaction.

    Open it inside that transaction. Until it commits no other reader sees any of its
    changes, so every bump after the first would invalidate nothing new (an import
    publishing 50 pages per transaction bumps twice instead of a hundred times).
    """
    if getattr(_coalesced, "active", False):
        yield
        return
    _coalesced.active = True
    try:
        yield
    finally:
        _coalesced.active = False


def _bump_pending() -> bool:
    """Whether the open transaction already holds a bump for its commit.

    Django drops a callback whose savepoint or transaction rolls back, so a bump undone
    with its changes is never counted as pending.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    return any(func is _bump for _, func, _ in connection.run_on_commit)


def _bump() -> None:
    _increment(*_cache_and_key())


def _staff_index_key():
    cache, key = _cache_and_key()
    return cache, f"{key}:staff-index"


def staff_index_version() -> int:
    """A number that changes whenever a staff-only search document is written (a case joins
    the case library or changes in it). Staff answers computed from the index, such as a
    case's precedents, are cached on it. Deletions leave it: whoever caches staff hits
    checks them against the database at every use, so a hit that left the library is dropped."""
    return _read(*_staff_index_key())


def bump_staff_index_version() -> None:
    """Call once the written staff documents are searchable; again after commit, as for
    ``bump_content_version``, in case the write is part of a transaction."""
    _bump_staff_index()
    transaction.on_commit(_bump_staff_index)


def _bump_staff_index() -> None:
    _increment(*_staff_index_key())
