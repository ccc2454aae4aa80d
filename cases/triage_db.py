"""Past triage decisions from the database, as plain ``TriageSample`` rows.

Kept apart from ``cases.triage`` (which must not import models) and from
``cases.selectors`` (owned by the case desk); the triage commands use it.
"""

from __future__ import annotations

from cases.models import Case, Dispatch
from cases.triage import TriageSample, load_fixture_samples

# Below this many triaged cases the fixed sample set is used instead: a
# classifier trained on a handful of cases would only repeat them.
MIN_DB_SAMPLES = 30


def case_text(case: Case) -> str:
    """What the 研判员 reads: the matter plus why the counter could not do it."""
    return "\n".join(t for t in (case.matter, case.counter_failure_reason) if t)


def past_triage_samples() -> list[TriageSample]:
    """Every triaged case: class, blocking cause and the (current) lead department id."""
    cases = Case.objects.exclude(classification="").order_by("pk")
    leads: dict[int, int] = {}
    # Latest non-returned lead dispatch per case (a returned one was reassigned).
    for case_id, dept_id in (
        Dispatch.objects.filter(case__in=cases, role=Dispatch.Role.LEAD)
        .exclude(status=Dispatch.Status.RETURNED)
        .order_by("case_id", "created_at", "pk")
        .values_list("case_id", "department_id")
    ):
        leads[case_id] = dept_id
    return [
        TriageSample(
            text=case_text(case),
            classification=case.classification,
            lead_department_id=leads.get(case.pk),
            blocking_cause=case.blocking_cause or None,
            counter_answer=case.counter_failure_reason,
            service_item=case.service_item.name if case.service_item_id else "",
        )
        for case in cases.select_related("service_item").only(
            "pk", "matter", "counter_failure_reason", "classification", "blocking_cause", "service_item__name"
        )
    ]


def training_samples(source: str = "auto", min_cases: int = MIN_DB_SAMPLES) -> tuple[list[TriageSample], str]:
    """(samples, "db" | "fixture"): the database when it has enough triaged cases of 2+ classes."""
    if source == "fixture":
        return load_fixture_samples(), "fixture"
    samples = past_triage_samples()
    enough = len(samples) >= min_cases and len({s.classification for s in samples}) >= 2
    if source == "db" or enough:
        return samples, "db"
    return load_fixture_samples(), "fixture"
