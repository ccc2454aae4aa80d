"""The recurring-classes report (一类事, issue 5): database rows in, report rows out.

Reads only: the cases the user may see (``cases.selectors.visible_cases_for``)
created in the configured window, clustered by ``cases.clustering``, each class
with the published articles that already cover it (same service item) so
editors see which classes still lack guidance. Opening a class as a 类案
(ClassCase) is a service for the model owner; see the integration notes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from cases.clustering import CaseClass, ClusterItem, class_threshold, find_case_classes
from cases.triage_db import case_text

__all__ = ["CoveringArticle", "ClassReportRow", "recurring_classes_for"]


@dataclass(frozen=True)
class CoveringArticle:
    id: int
    title: str
    url: str


@dataclass(frozen=True)
class ClassReportRow:
    case_class: CaseClass
    tracking_numbers: list[str]
    covering_articles: list[CoveringArticle] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.covering_articles)

    @property
    def cases(self) -> list[tuple[int, str]]:
        """(case id, tracking number) pairs, for links to each case page."""
        return list(zip(self.case_class.members, self.tracking_numbers))


def recurring_classes_for(
    *, user, now: datetime.datetime | None = None, include_small: bool = False
) -> list[ClassReportRow]:
    from knowledge.models import SolutionArticlePage

    from cases.selectors import visible_cases_for

    threshold = class_threshold()
    now = now or timezone.now()
    since = now - datetime.timedelta(days=threshold["days"])
    cases = list(
        visible_cases_for(user)
        .filter(created_at__gt=since, created_at__lte=now)
        .prefetch_related("dispatches__department")
        .order_by("pk")
    )
    by_id = {c.pk: c for c in cases}
    items = [
        ClusterItem(
            case_id=c.pk,
            text=case_text(c),
            created_at=timezone.localtime(c.created_at),
            service_item=c.service_item.name if c.service_item_id else None,
            blocking_cause=c.blocking_cause or None,
            district=c.district.name,
            departments=tuple(dict.fromkeys(d.department.name for d in c.dispatches.all())),
        )
        for c in cases
    ]
    classes = find_case_classes(
        items, now=timezone.localtime(now), min_cases=threshold["min_cases"], days=threshold["days"],
        include_small=include_small,
    )
    rows = []
    for case_class in classes:
        item_names = [name for name, _count in case_class.service_items]
        articles = []
        if item_names:
            for page in (
                SolutionArticlePage.objects.live().public()
                .filter(service_items__name__in=item_names).distinct().order_by("title")[:5]
            ):
                articles.append(CoveringArticle(page.pk, page.title, page.url or ""))
        rows.append(
            ClassReportRow(
                case_class=case_class,
                tracking_numbers=[by_id[m].tracking_number or "" for m in case_class.members],
                covering_articles=articles,
            )
        )
    return rows
