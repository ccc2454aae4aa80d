"""No way to learn a 个体工商户's name without personal-data rights: for every role without
them (every such group, a role that may export, anonymous visitors on public URLs), every
endpoint derived from the URL configuration answers a right and a wrong guess of the name
identically, and no answer to the wrong guess carries the name or a piece of it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from wagtail.admin.views.generic import IndexView

from cases import services
from cases.models import Case, StaffProfile

from .conftest import make_credit_code, register
from .test_masked_value_oracle import PASSWORD, SERVER_ERRORS, _ask, _concrete, _first_difference, _principals
from .test_masked_value_oracle import project_endpoints

SOLE_TRADER_CODE = make_credit_code("92310109MA1G5B3C6")
SHOP = "张三丰生煎小吃店"
# What the mask shows (张*******) fits this one as well: only the hidden characters differ.
WRONG_SHOP = "张四海生煎小吃店"
HIDDEN_PIECES = (SHOP, "三丰生煎", "张三丰", SOLE_TRADER_CODE)


@pytest.fixture
def shop_world(window_user, triage_user, hall, market_dept):
    """An open case dispatched to the market department and a closed one in the case library,
    both from the same 个体工商户, its name quoted in the matter, the task, a note and the summary."""
    cases = []
    for closed in (False, True):
        case = register(window_user, hall, reporter_type=Case.ReporterType.ENTERPRISE, reporter_name="张三丰",
                        enterprise_name=SHOP, credit_code=SOLE_TRADER_CODE,
                        matter=f"{SHOP}反映：前租户未注销，营业执照办不成")
        services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
        services.case_dispatch(case=case, author=triage_user, lead_department=market_dept,
                               lead_task=f"联系{SHOP}核实")
        services.case_add_note(case=case, author=triage_user, text=f"已电话告知{SHOP}所需材料")
        if closed:
            services.case_close(case=case, author=triage_user, outcome=Case.Outcome.DONE,
                                resolution_summary=f"{SHOP}已领取营业执照")
        case.refresh_from_db()
        cases.append(case)
    return cases


def _exporter(hall):
    user = User.objects.create_user("probe-exporter", password=PASSWORD)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["cases", "wagtailadmin"],
        codename__in=["access_admin", "view_case", "view_district_cases", "export_cases", "view_case_library"],
    ))
    StaffProfile.objects.create(user=user, district=hall.district, hall=hall)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return "exporter", client


def _guess(name: str, case: Case) -> dict[str, str]:
    text = f"{name}反映营业执照办不成"
    # "case": the case page's panels say which case they ask about.
    return {"q": name, "query": name, "text": text, "matter": text, "enterprise_name": name,
            "name": name, "tracking_number": case.tracking_number, "case": str(case.pk)}


def test_right_and_wrong_guess_of_a_sole_traders_name_get_identical_answers(shop_world, market_dept, hall):
    open_case, closed_case = shop_world
    SERVER_ERRORS.clear()
    differences, leaks = [], []
    asked = 0
    for role, client in [*_principals(market_dept, hall), _exporter(hall)]:
        for route, callback in project_endpoints():
            if role == "anonymous" and route.startswith("admin/"):
                continue  # Wagtail sends every anonymous admin request to the login page
            pks = [open_case, closed_case] if "<int:" in route or "(?P<" in route else [open_case]
            view_class = getattr(callback, "view_class", None)
            variants = [("GET", {}), ("POST", {})]
            if view_class is not None and issubclass(view_class, IndexView):
                variants.append(("GET", {"export": "csv"}))
            for case in pks:
                url = _concrete(route, case.pk, case.tracking_number)
                for method, extra in variants:
                    right = _ask(client, method, url, {**_guess(SHOP, case), **extra},
                                 (SHOP, "x-no-guess"))
                    wrong = _ask(client, method, url, {**_guess(WRONG_SHOP, case), **extra},
                                 (WRONG_SHOP, "x-no-guess"))
                    asked += 2
                    if right != wrong:
                        differences.append(f"{role} {method} {url} {extra}: {_first_difference(right, wrong)}")
                    # The wrong guess's answer had no reason to carry the name: any piece of it is a leak.
                    body = wrong[1] + wrong[2]
                    leaks += [f"{role} {method} {url} {extra}: {piece}" for piece in HIDDEN_PIECES if piece in body]
    assert asked > 200
    assert leaks == [], "\n".join(leaks)
    assert differences == [], "\n".join(differences)
    assert SERVER_ERRORS == [], "\n".join(sorted(set(SERVER_ERRORS)))
