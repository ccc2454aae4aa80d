"""The writes the deflection figures need: guide visits from the report form, and a
report marking the same reader's guide clicks from search earlier that day."""

from __future__ import annotations

from django.db import transaction

from cases.models import GuideVisit


def guide_visit_record() -> GuideVisit:
    """A reader opened a guide that 提交前看看 offered them."""
    visit = GuideVisit()
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def guide_visits_mark_reported(*, visit_ids: list[int]) -> int:
    """The same session reported after all: those visits did not deflect a report."""
    return GuideVisit.objects.filter(pk__in=visit_ids, reported=False).update(reported=True)


def search_clicks_mark_reported(*, client: str) -> int:
    """A public report from ``client`` (its rate-limit address): that reader's search clicks
    today were not a deflection. The click keeps only a daily keyed marker of the address."""
    from search.analytics import clicks_mark_reported

    return clicks_mark_reported(client=client)
