"""Plain-HTTP clients the drills use beside locust: a citizen's report form, a search, staff.

Each one keeps its own cookies and never follows redirects, so a drill sees the 302 that
says a form was accepted.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser(*, address: str | None = None) -> urllib.request.OpenerDirector:
    """A client with its own cookie jar that stops at redirects; ``address`` is its X-Real-IP."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
    if address:
        opener.addheaders = [("X-Real-IP", address)]
    return opener


def fetch(opener: urllib.request.OpenerDirector, url: str, *, data: bytes | None = None, referer: str = "",
          timeout: float = 30) -> tuple[int, str]:
    """(status, body) of one request; an HTTP error is an answer, not an exception."""
    request = urllib.request.Request(url, data=data, headers={"Referer": referer} if referer else {})
    try:
        with opener.open(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def search_status(url: str, q: str | None = None) -> tuple[int, str]:
    """The public search page for ``q``; by default a query no reader asked before, so the
    answer comes from the engine, not the page cache."""
    q = q if q is not None else f"营业执照 {uuid.uuid4().hex[:8]}"
    return fetch(browser(), f"{url}/search/?q={urllib.parse.quote(q)}", timeout=15)


def report_form(url: str, *, address: str, phone: str, matter: str,
                timeout: float = 30) -> tuple[urllib.request.OpenerDirector, str, bytes]:
    """A citizen opens 在线反映 and fills it in: (their client, the form's idempotency key, the body)."""
    opener = browser(address=address)
    html = opener.open(url + "/report/", timeout=timeout).read().decode()
    key = IDEMPOTENCY_RE.search(html).group(1)
    data = urllib.parse.urlencode({
        "csrfmiddlewaretoken": CSRF_RE.search(html).group(1), "reporter_type": "person",
        "reporter_name": "演练用户", "reporter_phone": phone, "district": "1",
        "matter": f"{matter} {uuid.uuid4().hex[:6]}", "idempotency_key": key,
    }).encode()
    return opener, key, data


class StaffSession:
    """A member of staff signed in through the login form, with their own cookies."""

    def __init__(self, url: str, username: str, password: str):
        self.url = url
        self.opener = browser()
        status, _ = self.post("/admin/login/", {"username": username, "password": password})
        if status != 302:
            raise AssertionError(f"{username} could not sign in at {url} (HTTP {status})")

    def get(self, path: str) -> tuple[int, str]:
        return fetch(self.opener, self.url + path)

    def post(self, path: str, data: dict, form_html: str | None = None) -> tuple[int, str]:
        html = form_html if form_html is not None else self.get(path)[1]
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": CSRF_RE.search(html).group(1), **data}).encode()
        return fetch(self.opener, self.url + path, data=body, referer=self.url + path)
