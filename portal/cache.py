"""Anonymous page cache.

Public pages are the same for every anonymous reader, so their rendered HTML is
kept in Django's cache framework and replayed without running the view. What is
never cached: anything for a visitor with a session that may change a page
(signed in, holding messages, anything but the public flows' own keys listed in
NEUTRAL_SESSION_KEYS: a citizen who filed a report or looked up a case reads the
same guidance as everyone else), anything outside public paths, anything that used the CSRF token or
sets a cookie, anything the view marked private/no-store, and non-200 responses.

Invalidation is by a content version number kept in the same cache: it is part
of every key, and a publish/unpublish/move/delete of a page or a save of a
taxonomy snippet bumps it (portal.signal_handlers), so every page that lists the
changed content is re-rendered on its next view.

Settings (``BANCHENG_PAGE_CACHE``): ENABLED, CACHE (alias), TIMEOUT (seconds),
KEY_PREFIX, EXCLUDED_PATH_PREFIXES, INVALIDATE_ON_MODELS ("app_label.Model"),
NEUTRAL_SESSION_KEYS (session keys no public page reads).
"""

from __future__ import annotations

import hashlib
import logging
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re
from django.utils.translation import get_language_from_request

# The version every key carries lives in the kernel (search and knowledge use it too).
from kernel.content_version import (  # noqa: F401  (re-exported for the middleware's users)
    DEFAULT_CACHE,
    DEFAULT_KEY_PREFIX,
    bump_content_version,
    content_version,
    page_served_from_cache,
)

logger = logging.getLogger(__name__)

DEFAULTS = {
    "ENABLED": True,
    "CACHE": DEFAULT_CACHE,
    "TIMEOUT": 600,
    "KEY_PREFIX": DEFAULT_KEY_PREFIX,
    # Staff tools, personal data, forms and per-request endpoints.
    "EXCLUDED_PATH_PREFIXES": [
        "/admin/",
        "/django-admin/",
        "/cases/",
        "/api/",
        "/open311/",
        "/report/",
        "/status/",
        "/feedback/",
        "/search/click/",
        "/documents/",
        "/bench/",
        "/static/",
        "/media/",
    ],
    "INVALIDATE_ON_MODELS": [
        "knowledge.District",
        "knowledge.Department",
        "knowledge.ServiceItem",
        "knowledge.Policy",
        "wagtailcore.Site",
        "wagtailsearchpromotions.SearchPromotion",
        # An editor's approved or blocked autocomplete phrase applies to cached suggestions at once.
        "search.SuggestionRule",
    ],
    "NEUTRAL_SESSION_KEYS": [],
}

HEADER = "X-Cache"
# Cookies that do not change what an anonymous visitor sees. The CSRF cookie is
# harmless because pages that use the token are never stored.
NEUTRAL_COOKIES_SETTING = "BANCHENG_PAGE_CACHE_NEUTRAL_COOKIES"
# Response Vary values our key already covers: requests with a session cookie
# bypass the cache and the language is in the key.
COVERED_VARY = {"cookie", "accept-language"}

def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "BANCHENG_PAGE_CACHE", {})}


def _cache():
    return caches[config()["CACHE"]]


def _neutral_cookies() -> set[str]:
    extra = getattr(settings, NEUTRAL_COOKIES_SETTING, ())
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, *extra}


def request_is_cacheable(request: HttpRequest) -> bool:
    conf = config()
    if not conf["ENABLED"] or request.method not in ("GET", "HEAD"):
        return False
    if any(request.path.startswith(prefix) for prefix in conf["EXCLUDED_PATH_PREFIXES"]):
        return False
    # Any cookie other than the neutral ones (session, messages, ...) may change
    # the page: such visitors always get a fresh render.
    neutral = _neutral_cookies()
    others = [name for name in request.COOKIES if name not in neutral]
    if others == [settings.SESSION_COOKIE_NAME]:
        if not _session_is_neutral(request.COOKIES[settings.SESSION_COOKIE_NAME], conf["NEUTRAL_SESSION_KEYS"]):
            return False
    elif others:
        return False
    if request.META.get("HTTP_AUTHORIZATION"):
        return False
    return True


def _session_is_neutral(session_key: str, neutral_keys) -> bool:
    """An anonymous session holding only keys no public page reads (read, never saved here).

    A signed-in session carries the auth keys and one with messages ``_messages``, so
    neither is neutral; an unknown or expired key loads as an empty session, which is."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        return set(store.load()) <= set(neutral_keys)
    except Exception:  # an unreadable session store: render, as for any other session
        logger.warning("page cache: session could not be read", exc_info=True)
        return False


def response_is_cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    if response.has_header("Content-Encoding"):
        return False
    cache_control = {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
        if part.strip()
    }
    if cache_control & {"private", "no-store", "no-cache"}:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if vary - COVERED_VARY:
        return False
    return True


def cache_key(request: HttpRequest, version: int) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    language = get_language_from_request(request)
    raw = "\n".join([request.scheme, request.get_host(), request.path, query, language])
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{config()['KEY_PREFIX']}:{version}:{digest}"


class AnonymousPageCacheMiddleware:
    """Serve anonymous public page views from the cache (see module docstring).

    Sits near the top of MIDDLEWARE so a hit skips sessions, CSRF, auth and the
    view; responses are inspected after every inner middleware has run.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request_is_cacheable(request):
            return self.get_response(request)
        try:
            key = cache_key(request, content_version())
        except Exception:  # a bad Host header etc.: let Django answer it normally
            return self.get_response(request)
        cache = _cache()
        entry = cache.get(key)
        if entry is not None:
            response = HttpResponse(entry["content"], status=entry["status"])
            for name, value in entry["headers"]:
                response[name] = value
            response[HEADER] = "HIT"
            page_served_from_cache.send(sender=self.__class__, request=request)
            return response

        response = self.get_response(request)
        if request.method == "GET" and response_is_cacheable(request, response):
            headers = [(k, v) for k, v in response.items() if k.lower() != HEADER.lower()]
            cache.set(
                key,
                {"content": response.content, "status": response.status_code, "headers": headers},
                timeout=config()["TIMEOUT"],
            )
            response[HEADER] = "MISS"
        else:
            response[HEADER] = "BYPASS"
        return response
