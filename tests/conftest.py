"""Shared fixtures. App-specific ones live in tests/<app>/conftest.py.

Browser fixtures: ``chromium_browser`` (session) and ``browser_page`` (per test),
driving Debian's Chromium through Playwright's sync API. Use them together with
pytest-django's ``live_server`` and mark the test ``@pytest.mark.browser``.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in this thread; Django would then
# refuse ORM calls from the test body (SynchronousOnlyOperation). The tests are
# synchronous, so this is the documented escape hatch pytest-playwright uses.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Never let Playwright fetch a browser build: we drive the system Chromium.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "build" / "test-artifacts"
CHROMIUM_PATH = os.environ.get("BANCHENG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Markers whose tests need a real service; where services are required
# (CI, `make test`) a skip of such a test is turned into a failure.
SERVICE_MARKERS = ("elasticsearch", "browser")


def services_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("BANCHENG_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(items):
    """Transactional tests (live_server, browser tests) get serialized rollback.

    A transactional test ends by emptying every table, which would also delete
    what the data migrations created (the home page and site, groups, districts)
    for every transactional test after it; serialized rollback restores it first.
    """
    from pytest_django.fixtures import validate_django_db

    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        marker = item.get_closest_marker("django_db")
        if marker:
            transaction, reset_sequences, databases, serialized, available_apps = validate_django_db(
                marker
            )
        else:
            transaction = reset_sequences = serialized = False
            databases = available_apps = None
        transactional = transaction or reset_sequences or bool(
            fixtures & {"live_server", "transactional_db", "django_db_reset_sequences"}
        )
        if not transactional or serialized:
            continue
        item.add_marker(
            pytest.mark.django_db(
                transaction=True,
                reset_sequences=reset_sequences,
                databases=databases,
                serialized_rollback=True,
                available_apps=available_apps,
            ),
            append=False,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # Keep each phase's report on the item so fixtures can see a failed test body.
    setattr(item, f"rep_{report.when}", report)
    if report.skipped and services_required():
        marker = next((m for m in SERVICE_MARKERS if item.get_closest_marker(m)), None)
        if marker:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            report.outcome = "failed"
            report.longrepr = (
                f"test marked '{marker}' was skipped, but services are required here "
                f"(CI / BANCHENG_REQUIRE_SERVICES=1): {reason}"
            )


@pytest.fixture(autouse=True)
def _clear_caches():
    """Each test starts with empty caches: no page cached by an earlier test
    (whose database rows were rolled back) and no leftover rate-limit counters."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(scope="session")
def chromium_browser():
    """A headless Chromium (Debian's) shared by the whole session.

    A missing browser is an error, never a skip: browser tests must run in CI.
    """
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: the first precedent search or triage
    # suggestion of a run loads jieba and the model, seconds on a busy machine.
    expect.set_options(timeout=20_000)

    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM_PATH}; run `make test` (installs Debian's chromium)",
            pytrace=False,
        )
    from django.db import connections

    # Once Playwright's loop is running in this thread, Django's connection
    # handler keeps per-context connections, so the test thread gets a fresh
    # DatabaseWrapper that lacks the snapshot serialized_rollback restores from
    # (home page, site, groups...). Carry the snapshot over to it.
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    playwright = sync_playwright().start()
    for alias, contents in snapshots.items():
        connections[alias]._test_serialized_contents = contents
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_page(request, chromium_browser):
    """A fresh Playwright Page in a zh-CN / Asia/Shanghai context.

    When the test also uses ``live_server``, relative URLs work:
    ``browser_page.goto("/")``. A failing test leaves a screenshot in
    build/test-artifacts/.
    """
    options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    if "live_server" in request.fixturenames:
        options["base_url"] = request.getfixturevalue("live_server").url
    context = chromium_browser.new_context(**options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None
        and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)
        except Exception:  # a crashed page must not hide the real failure
            pass
    context.close()


@pytest.fixture
def demo(db):
    """The knowledge demo content (departments, policies, topics, articles, guides)."""
    from knowledge import demo as knowledge_demo

    knowledge_demo.load()
    return knowledge_demo
