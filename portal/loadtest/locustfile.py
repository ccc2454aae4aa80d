"""The load mix: public readers and staff on the demo, with think times.

Run by ``python -m portal.loadtest`` (it writes the plan file this reads and
starts locust headless). Every online report is sent with its own idempotency
key and re-sent with the same key after a connection error or a server error,
as a browser's re-submit would be; the keys go to BANCHENG_LOAD_REPORTS_OUT so
the runner can check that each one is stored exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["BANCHENG_LOAD_PLAN"], encoding="utf-8").read())
REPORTS_OUT = os.environ.get("BANCHENG_LOAD_REPORTS_OUT", "")
SAMPLES_OUT = os.environ.get("BANCHENG_LOAD_SAMPLES_OUT", "")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK_RE = re.compile(r'/admin/cases/case/inspect/(\d+)/')
IDEM_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')
REPORT_RETRIES = 5
REPORTS_PER_CITIZEN = 2

_sent_lock = threading.Lock()
_sent: dict[str, str] = {}  # idempotency key → outcome ("accepted" | "refused" | "unknown")
_addresses = itertools.count(1)
# Every request's (name, seconds since the start, response time ms, failed) and the moment the
# last user started, so the runner can tell the ramp (every staff member signing in) from the
# steady working hours that follow.
_started = time.monotonic()
_samples: list[tuple[str, float, float, bool]] = []
_spawned_at: list[float] = []


def _client_address() -> str:
    """A distinct client address per simulated user, as the proxy's X-Real-IP would give."""
    n = next(_addresses)
    return f"10.{PLAN.get('address_block', 0) & 255}.{(n >> 8) & 255}.{n & 255}"


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html or "")
    return match.group(1) if match else ""


@events.request.add_listener
def _record_sample(name, response_time, exception, **_kwargs):
    _samples.append((name, round(time.monotonic() - _started - response_time / 1000, 3), round(response_time, 1),
                     exception is not None))


@events.spawning_complete.add_listener
def _record_spawned(**_kwargs):
    _spawned_at.append(round(time.monotonic() - _started, 3))


@events.test_stop.add_listener
def _write_reports(**_kwargs):
    if REPORTS_OUT:
        with open(REPORTS_OUT, "w", encoding="utf-8") as out:
            json.dump(_sent, out)
    if SAMPLES_OUT:
        with open(SAMPLES_OUT, "w", encoding="utf-8") as out:
            json.dump({"spawned_at": _spawned_at[0] if _spawned_at else 0.0, "samples": _samples}, out)


class Reader(HttpUser):
    """A member of the public: browses guidance, searches, checks a case, sometimes reports."""

    weight = 8
    wait_time = between(1, 5)

    def on_start(self):
        self.client.headers["X-Real-IP"] = _client_address()
        self.client.headers["Accept-Language"] = "zh-CN,zh;q=0.9"

    @task(4)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def topic(self):
        if PLAN["topics"]:
            self.client.get(random.choice(PLAN["topics"]), name="topic")

    @task(6)
    def article(self):
        if PLAN["articles"]:
            self.client.get(random.choice(PLAN["articles"]), name="article")

    @task(2)
    def guide(self):
        if PLAN["guides"]:
            self.client.get(random.choice(PLAN["guides"]), name="guide")

    @task(6)
    def search(self):
        q = random.choice(PLAN["queries"])
        self.client.get("/search/", params={"q": q}, name="search")

    @task(2)
    def search_facet_page(self):
        q = random.choice(PLAN["queries"])
        params = {"q": q, "page": 2}
        if PLAN["topic_slugs"]:
            params = {"q": q, "topic": random.choice(PLAN["topic_slugs"])}
        self.client.get("/search/", params=params, name="search (facet/page)")

    @task(3)
    def autocomplete(self):
        q = random.choice(PLAN["queries"])[:2]
        self.client.get("/search/suggest/", params={"q": q}, name="autocomplete")

    @task(1)
    def api_search(self):
        self.client.get("/api/search/", params={"q": random.choice(PLAN["queries"])}, name="api search")

    @task(1)
    def status_lookup(self):
        if not PLAN["tracking"]:
            return
        page = self.client.get("/report/status/new/", name="status form")
        number, last4 = random.choice(PLAN["tracking"])
        self.client.post(
            "/report/status/",
            data={"csrfmiddlewaretoken": _csrf(page.text), "tracking_number": number, "phone_last4": last4},
            headers={"Referer": self.host + "/report/status/"},
            name="status lookup",
        )

    @task(1)
    def online_report(self):
        # A citizen reports what they could not get done once or twice, not every few seconds
        # (the site accepts five an hour from one address, and rightly refuses a sixth).
        self.reports_filed = getattr(self, "reports_filed", 0) + 1
        if self.reports_filed > REPORTS_PER_CITIZEN:
            return
        page = self.client.get("/report/", name="report form")
        token, key_match = _csrf(page.text), IDEM_RE.search(page.text or "")
        if not token or not key_match:
            return
        key = key_match.group(1)
        n = random.randrange(10_000)
        data = {
            "csrfmiddlewaretoken": token,
            "reporter_type": "person",
            "reporter_name": "压测用户",
            "reporter_phone": f"1390000{n:04d}",
            "district": random.choice(PLAN["districts"]),
            "matter": random.choice(PLAN["matters"]) + f"（压测 {key[:8]}）",
            "counter_failure_reason": "窗口答复需要补充材料。",
            "idempotency_key": key,
        }
        with _sent_lock:
            _sent[key] = "unknown"
        for _attempt in range(REPORT_RETRIES):
            with self.client.post(
                "/report/", data=data, headers={"Referer": self.host + "/report/"},
                allow_redirects=False, name="online report", catch_response=True,
            ) as response:
                if response.status_code == 302:
                    with _sent_lock:
                        _sent[key] = "accepted"
                    response.success()
                    return
                if response.status_code in (400, 429):
                    with _sent_lock:
                        _sent[key] = "refused"
                    response.failure(f"refused with {response.status_code}")
                    return
                # Connection error or 5xx: the citizen presses 提交 again with the same form.
                response.failure(f"status {response.status_code}")


class Staff(HttpUser):
    """Window clerks, coordinators and department staff working through their cases."""

    weight = 2
    wait_time = between(1, 5)

    def on_start(self):
        self.client.headers["X-Real-IP"] = _client_address()
        self.login = random.choice(PLAN["staff"])
        page = self.client.get("/admin/login/", name="staff login form")
        self.client.post(
            "/admin/login/",
            data={"csrfmiddlewaretoken": _csrf(page.text), "username": self.login, "password": PLAN["password"]},
            headers={"Referer": self.host + "/admin/login/"},
            name="staff login",
        )
        # The cases this role may open: what its own case list links to (a department sees
        # only what was dispatched to it; opening another case is rightly a 404).
        listing = self.client.get("/admin/cases/case/", name="case list")
        self.cases = sorted({int(pk) for pk in CASE_LINK_RE.findall(listing.text or "")})

    def _token(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    @task(3)
    def dashboard(self):
        self.client.get("/admin/", name="staff dashboard")

    @task(4)
    def case_list(self):
        self.client.get("/admin/cases/case/", name="case list")

    @task(4)
    def case_page(self):
        if self.cases:
            self.client.get(f"/admin/cases/case/inspect/{random.choice(self.cases)}/", name="case page")

    @task(4)
    def precedents_while_typing(self):
        text = random.choice(PLAN["matters"])
        for cut in (6, 12, len(text)):  # the panel refreshes as the clerk types
            self.client.post(
                "/admin/cases/intelligence/precedents/",
                data={"text": text[:cut]},
                headers={"X-CSRFToken": self._token(), "Referer": self.host + "/admin/cases/case/new/"},
                name="precedents while typing",
            )

    @task(1)
    def register(self):
        if self.login != PLAN["registrar"]:
            return
        page = self.client.get("/admin/cases/case/new/", name="registration form")
        data = {
            "csrfmiddlewaretoken": _csrf(page.text),
            "channel": "counter",
            "hall": PLAN["hall"],
            "district": "",
            "reporter_type": "person",
            "reporter_name": "压测来访人",
            "reporter_phone": f"1370000{random.randrange(10_000):04d}",
            "contact_preference": "phone",
            "matter": random.choice(PLAN["matters"]) + f"（窗口登记 {uuid.uuid4().hex[:6]}）",
            "counter_failure_reason": "系统提示不符合条件。",
        }
        self.client.post(
            "/admin/cases/case/new/", data=data, headers={"Referer": self.host + "/admin/cases/case/new/"},
            name="registration",
        )
