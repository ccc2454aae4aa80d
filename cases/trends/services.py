"""The one write the trends need: guide visits from the report form (deflection)."""

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
