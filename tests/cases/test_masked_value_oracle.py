"""No oracle for a masked value (issue 14): for every role without personal-data rights,
every endpoint it can reach answers a true and a false guess of a phone / ID number it
sees masked, or of a 个体工商户's name (credit code 92…, a person's business) it sees masked,
identically, and no answer to the false guess carries any of the true values.

The endpoints are derived from the URL configuration: every view defined in the project's
apps, and every Wagtail viewset view whose model is, or points to, a case. A new endpoint
is therefore covered without editing this file. The roles are every group without
``cases.view_personal_data``, a role that may export without it, plus anonymous visitors on
the public (non-admin) URLs.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.admin.views.generic import IndexView

from cases import services
from cases.models import Case, StaffProfile
from kernel.personal_data import resident_id_check_char

from .conftest import make_credit_code, register

PROJECT_APPS = ("cases", "knowledge", "search", "portal", "kernel")
PASSWORD = "x-Pass-2026"

PHONE = "13812340108"
WRONG_PHONE = "13899870108"  # differs only in the digits the mask hides: 138****0108


def _id_with_check(body17: str) -> str:
    return body17 + resident_id_check_char(body17)


def _wrong_id(true_id: str) -> str:
    """Another valid resident ID with the same visible part (first 6, last 4) as ``true_id``."""
    for year in range(1950, 2000):
        for month in range(1, 13):
            body = f"{true_id[:6]}{year}{month:02d}15{true_id[14:17]}"
            candidate = _id_with_check(body)
            if candidate != true_id and candidate[-4:] == true_id[-4:]:
                return candidate
    raise AssertionError("no second ID with the same visible part")


ID_NUMBER = _id_with_check("31010919850307123")
WRONG_ID = _wrong_id(ID_NUMBER)

SOLE_TRADER_CODE = make_credit_code("92310109MA1G5B3C6")
SHOP = "张三丰生煎小吃店"  # named after its owner, the reporter
# What the mask shows (张*******) fits this one as well: only the hidden characters differ.
WRONG_SHOP = "张四海生煎小吃店"
TRUE_VALUES = (PHONE, ID_NUMBER, SHOP, "三丰生煎", "张三丰", SOLE_TRADER_CODE)


def _relates_to_case(model) -> bool:
    if model is Case:
        return True
    # Forward relations only: a taxonomy model that cases point at (District) holds no case data.
    return any(
        getattr(f, "related_model", None) is Case for f in model._meta.get_fields() if not f.auto_created
    )


def project_endpoints() -> list[tuple[str, object]]:
    """(route, callback) for every endpoint that may read case data."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
                continue
            assert isinstance(p, URLPattern)
            callback = p.callback
            view_class = getattr(callback, "view_class", None)
            module = (view_class or callback).__module__
            model = getattr(callback, "view_initkwargs", {}).get("model")
            if isinstance(model, str):
                model = apps.get_model(model)
            ours = module.split(".")[0] in PROJECT_APPS
            if model is not None and model._meta.app_label in PROJECT_APPS:
                # Generic CRUD of taxonomy/settings models never reads a case: skip those.
                ours = _relates_to_case(model)
            if ours:
                found.append((prefix + str(p.pattern), callback))

    walk(get_resolver().url_patterns)
    return found


def _concrete(route: str, pk: int, tracking: str) -> str:
    """A URL for ``route`` with its parameters filled in (a pk, a slug, a format...)."""
    values = {"fmt": "json", "request_id": tracking, "code": "x"}

    def group(m):
        return values.get(m.group(1), str(pk))

    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", group, route)
    url = re.sub(r"<int:\w+>", str(pk), url)
    url = re.sub(r"<(?:str|path):pk>", str(pk), url)
    url = re.sub(r"<(?:str|slug|path):\w+>", "x", url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + url


def _guess_data(phone: str, id_number: str, name: str, case) -> dict[str, str]:
    text = f"{name}反映人电话{phone}，身份证{id_number}，营业执照办不成"
    return {
        "q": f"{phone} {id_number} {name}",
        "text": text,
        "matter": text,
        "phone": phone,
        "id_number": id_number,
        "reporter_phone": phone,
        "reporter_id_number": id_number,
        "enterprise_name": name,
        "name": name,
        "tracking_number": case.tracking_number,
        "phone_last4": phone[-4:],
        "query": phone,
        "case": str(case.pk),  # the case page's panels say which case they ask about
    }


def _normalise(response, guesses: tuple[str, str]) -> tuple[int, str, str]:
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8", "replace")
    location = response.get("Location", "")
    for value in guesses:
        for form in (value, urllib.parse.quote(value), urllib.parse.quote_plus(value)):
            text = text.replace(form, "GUESS")
            location = location.replace(form, "GUESS")
    # Per-request tokens, not answers.
    text = re.sub(r'(csrfmiddlewaretoken"?\s+value=|"csrfToken":\s*|csrf_token["\']?:\s*)"[^"]+"', r"\1TOKEN", text)
    text = re.sub(r'"CSRF_TOKEN": "[^"]+"', '"CSRF_TOKEN": "TOKEN"', text)
    text = re.sub(r'name="idempotency_key" value="[^"]+"', 'name="idempotency_key" value="KEY"', text)
    text = re.sub(r'nonce="[^"]+"', 'nonce="N"', text)
    # Feeds stamp the time they were built.
    text = re.sub(r"<(updated|lastBuildDate)>[^<]*</", r"<\1>NOW</", text)
    return response.status_code, location, text


def _first_difference(a, b) -> str:
    if a[:2] != b[:2]:
        return f"{a[:2]} vs {b[:2]}"
    i = next(i for i, (x, y) in enumerate(zip(a[2], b[2])) if x != y) if a[2][: len(b[2])] != b[2][: len(a[2])] else min(len(a[2]), len(b[2]))
    return f"{a[0]}: …{a[2][max(i - 60, 0):i + 60]!r} vs …{b[2][max(i - 60, 0):i + 60]!r}"


@pytest.fixture
def oracle_world(window_user, triage_user, hall, market_dept, tax_dept):
    """An open case dispatched to the market department and a closed one in the case
    library, both reported by the same 个体工商户 whose phone, ID and name are also typed into
    the matter, the task, a note and the summary."""
    matter = f"{SHOP}反映：本人电话{PHONE}，身份证号{ID_NUMBER}，前租户未注销，营业执照办不成"
    cases = []
    for closed in (False, True):
        case = register(window_user, hall, reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="张三丰",
                        enterprise_name=SHOP, credit_code=SOLE_TRADER_CODE,
                        reporter_phone=PHONE, reporter_id_number=ID_NUMBER, matter=matter)
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=triage_user, lead_department=market_dept,
                               lead_task=f"联系{SHOP}核实")
        services.case_add_note(case=case, author=triage_user, text=f"已电话告知{SHOP}所需材料")
        if closed:
            services.case_close(case=case, author=triage_user, outcome=Case.Outcome.DONE,
                                resolution_summary=f"已电话联系{PHONE}，{SHOP}已领取营业执照")
        case.refresh_from_db()
        cases.append(case)
    return cases


SERVER_ERRORS: list[str] = []


def _principals(market_dept, hall):
    personal = Permission.objects.get(codename="view_personal_data", content_type__app_label="cases")
    principals = []
    for group in Group.objects.exclude(permissions=personal).order_by("name"):
        user = User.objects.create_user(f"probe-{group.pk}", password=PASSWORD)
        user.groups.add(group)
        StaffProfile.objects.create(user=user, department=market_dept, district=hall.district, hall=hall)
        # A server error is an answer too: compared like any other, not raised.
        client = Client(raise_request_exception=False)
        client.force_login(user)
        principals.append((group.name, client))
    # A role an administrator may set up: it exports the district's cases without the rights.
    exporter = User.objects.create_user("probe-exporter", password=PASSWORD)
    exporter.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["cases", "wagtailadmin"],
        codename__in=["access_admin", "view_case", "view_district_cases", "export_cases", "view_case_library"],
    ))
    StaffProfile.objects.create(user=exporter, district=hall.district, hall=hall)
    client = Client(raise_request_exception=False)
    client.force_login(exporter)
    principals.append(("exporter", client))
    principals.append(("anonymous", Client(raise_request_exception=False)))
    return principals


def _ask(client, method, url, data, guesses):
    cache.clear()  # rate-limit counters: each guess starts from the same state
    client.cookies.pop("messages", None)  # a message left by the previous request
    with transaction.atomic():
        response = client.get(url, data) if method == "GET" else client.post(url, data)
        transaction.set_rollback(True)  # a POST that writes must not change the next answer
    if response.status_code >= 500:
        SERVER_ERRORS.append(f"{method} {url} {sorted(data)}: {response.status_code}")
    return _normalise(response, guesses)


def test_endpoint_list_is_derived_and_covers_the_known_oracles():
    routes = {route for route, _ in project_endpoints()}
    for expected in (
        "admin/cases/case/",
        "admin/cases/case/inspect/<int:pk>/",
        "admin/cases/intelligence/duplicates/",
        "admin/cases/intelligence/precedents/",
        "admin/cases/intelligence/suggest/",
        "admin/cases/lookup/",
        "api/search/",
        "search/",
        "report/status/",
    ):
        assert expected in routes


def test_true_and_false_guess_of_a_masked_value_get_identical_answers(oracle_world, market_dept, hall):
    open_case, closed_case = oracle_world
    endpoints = project_endpoints()
    differences, leaks = [], []
    asked = 0
    for role, client in _principals(market_dept, hall):
        for route, callback in endpoints:
            if role == "anonymous" and route.startswith("admin/"):
                continue  # Wagtail sends every anonymous admin request to the login page
            pks = [open_case, closed_case] if "<int:" in route or "(?P<" in route else [open_case]
            for case in pks:
                url = _concrete(route, case.pk, case.tracking_number)
                variants = [("GET", {}), ("POST", {})]
                view_class = getattr(callback, "view_class", None)
                if view_class is not None and issubclass(view_class, IndexView):
                    # A listing's search needs every word: the name is also searched on its own.
                    variants += [("GET", {"export": "csv"}), ("GET", {"q": "{name}"}),
                                 ("GET", {"q": "{name}", "export": "csv"})]
                for method, extra in variants:
                    answers = []
                    for guesses in ((PHONE, ID_NUMBER, SHOP), (WRONG_PHONE, WRONG_ID, WRONG_SHOP)):
                        asked_for = {k: v.format(name=guesses[2]) for k, v in extra.items()}
                        data = {**_guess_data(*guesses, case), **asked_for}
                        answers.append(_ask(client, method, url, data, guesses))
                        asked += 1
                    if answers[0] != answers[1]:
                        differences.append(f"{role} {method} {url} {extra}: {_first_difference(*answers)}")
                    # The false guess's answer had no reason to carry a true value: any piece is a leak.
                    body = answers[1][1] + answers[1][2]
                    leaks += [f"{role} {method} {url} {extra}: {value}" for value in TRUE_VALUES if value in body]
    assert asked > 200
    assert leaks == [], "\n".join(leaks)
    assert differences == [], "\n".join(differences)
    # Not an oracle, but a crash a role can reach is a defect of its own.
    assert SERVER_ERRORS == [], "\n".join(sorted(set(SERVER_ERRORS)))
