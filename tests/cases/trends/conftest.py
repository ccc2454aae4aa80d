"""A fixed, hand-countable set of cases in 虹口 for the trend figures (dates in Asia/Shanghai).

| case | registered        | closed            | outcome      | rating | class / cause                  | notes                                  |
|------|-------------------|-------------------|--------------|--------|--------------------------------|----------------------------------------|
| A    | 2026-09-30 Wed    | 2026-10-09 Fri    | done         | 5      | difficult / legacy             | crosses the month and the 国庆 week: 2 working days |
| B    | 2026-09-18 Fri    | 2026-09-30 Wed    | partial      | 2      | difficult / policy_change      | 中秋 25–27 off, 20 Sep worked: 8 working days |
| C    | 2026-10-12 Mon    | 2026-10-13 Tue    | done         | —      | expedite / missing_materials   | 1 working day                          |
| D    | 2026-10-12 Mon    | open              | —            | —      | difficult / legacy             | deadline 10-20 passed, escalated, 2 returns, 2 materials |
| E    | 2026-10-05 Mon*   | 2026-10-31 Sat    | not_allowed  | 4      | cannot / other                 | *a 国庆 holiday; deadline 10-30: late; 18 working days |
| Q    | 2026-10-12        | open              |              |        |                                | 青浦: outside 虹口's figures           |

August 2026 holds nothing (an empty period). D is dispatched to 市场监管 (lead) and 税务 (co);
A to 税务 (lead).
"""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, Dispatch, MissingMaterial
from cases.trends import facts

from ..conftest import register

PERIOD = {"date_from": "2026-08-01", "date_to": "2026-10-31"}


def at(day: str, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour)))


def make_case(author, hall, *, created, closed=None, outcome="", rating=None, classification="difficult",
              cause="legacy", deadline=None, **extra) -> Case:
    case = register(author, hall, **({"channel": extra.pop("channel")} if "channel" in extra else {}))
    Case.objects.filter(pk=case.pk).update(
        created_at=at(created, 9), closed_at=at(closed, 16) if closed else None,
        status=Case.Status.CLOSED if closed else Case.Status.IN_PROGRESS, outcome=outcome, rating=rating,
        classification=classification, blocking_cause=cause,
        deadline=datetime.date.fromisoformat(deadline) if deadline else None, **extra,
    )
    facts.refresh_ids([case.pk])  # the update above bypasses save(), as no case service does
    case.refresh_from_db()
    return case


def dispatch(case, department, role, *, deadline="2026-10-20", replied=None, status=Dispatch.Status.PENDING):
    return Dispatch.objects.create(
        case=case, department=department, role=role, task="核实", deadline=datetime.date.fromisoformat(deadline),
        status=status, replied_at=at(replied) if replied else None,
    )


@pytest.fixture
def fixed_cases(window_user, hall, qingpu_triage_user, qingpu_hall, market_dept, tax_dept):
    cases = {
        "A": make_case(window_user, hall, created="2026-09-30", closed="2026-10-09", outcome="done", rating=5,
                       deadline="2026-10-16"),
        "B": make_case(window_user, hall, created="2026-09-18", closed="2026-09-30", outcome="partial", rating=2,
                       cause="policy_change", deadline="2026-10-10"),
        "C": make_case(window_user, hall, created="2026-10-12", closed="2026-10-13", outcome="done",
                       classification="expedite", cause="missing_materials", deadline="2026-10-14",
                       channel=Case.Channel.ONLINE),
        "D": make_case(window_user, hall, created="2026-10-12", deadline="2026-10-20", escalated=True,
                       return_count=2),
        "E": make_case(window_user, hall, created="2026-10-05", closed="2026-10-31", outcome="not_allowed",
                       rating=4, classification="cannot", cause="other", deadline="2026-10-30"),
        "Q": make_case(qingpu_triage_user, qingpu_hall, created="2026-10-12", deadline="2026-10-20"),
    }
    dispatch(cases["D"], market_dept, Dispatch.Role.LEAD, deadline="2026-10-16")
    dispatch(cases["D"], tax_dept, Dispatch.Role.CO, deadline="2026-10-16", replied="2026-10-15",
             status=Dispatch.Status.REPLIED)
    dispatch(cases["A"], tax_dept, Dispatch.Role.LEAD, deadline="2026-10-09", replied="2026-10-12",
             status=Dispatch.Status.REPLIED)
    for name, status in (("营业执照原件", MissingMaterial.Status.OUTSTANDING),
                         ("租赁合同", MissingMaterial.Status.RECEIVED)):
        MissingMaterial.objects.create(case=cases["D"], name=name, promised_date=datetime.date(2026, 10, 19),
                                       supply_method=MissingMaterial.SupplyMethod.MAIL, status=status)
    return cases
