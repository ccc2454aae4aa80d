"""Where a request comes from, for the public endpoints that cannot carry a CSRF token.

Cached public pages hold no per-reader token, so Django's CSRF check cannot guard their
forms and beacons. A browser names the posting page's site in the Origin header with every
POST, and a page on another site cannot forge it: a POST naming another site (or "null",
what a sandboxed frame or a no-referrer page sends) was made by someone else's page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def _is_ours(request, origin: str) -> bool:
    """``scheme://host`` names this site (or one of CSRF_TRUSTED_ORIGINS)."""
    return origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS


def origin_is_ours(request) -> bool:
    """The request's Origin header names this site (or one of CSRF_TRUSTED_ORIGINS)."""
    origin = request.META.get("HTTP_ORIGIN", "")
    return bool(origin) and origin != "null" and _is_ours(request, origin)


def posted_from_another_site(request) -> bool:
    """The request names an Origin that is not ours. No Origin at all (a browser too old to
    send one on a same-site form) is not held against it: a script can write any header."""
    return "HTTP_ORIGIN" in request.META and not origin_is_ours(request)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def followed_from_another_site(request) -> bool:
    """A GET (a link, an image) that another site's page made the browser send: what such a page
    can make its visitors' browsers fetch must not count as their doing. Sec-Fetch-Site says so
    in current browsers; without it, a Referer naming another site does. Neither header (an old
    browser, a privacy setting, a script) is not held against the request."""
    site = request.META.get("HTTP_SEC_FETCH_SITE", "")
    if site:
        return site in ("cross-site", "same-site")
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return False
    return not _is_ours(request, _origin_of(referer))
