"""Closed and archived cases (案例库) as staff-only search documents.

The indexed text is de-identified: no reporter name, phone or ID number ever
reaches the index. ``restrict_keys`` mirror ``cases.selectors`` scopes, so the
search layer shows a case only to staff who could open it.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse

from search.engines.base import STAFF, SearchDocument
from search.sources import join_text, register

from cases import selectors
from cases.models import Case, Dispatch


def _clean(text: str, case: Case) -> str:
    return selectors.deidentified_text(text, case)


class CaseSource:
    doc_type = "case"
    models = (Case, Dispatch)
    staff_only = True  # every case document is visibility=STAFF (below)

    def _queryset(self):
        return selectors.case_library(
            Case.objects.select_related("district", "hall", "service_item")
            .prefetch_related(Prefetch("dispatches", queryset=Dispatch.objects.select_related("department")))
        )

    def iter_documents(self):
        for case in self._queryset().iterator(chunk_size=200):
            yield self._build(case)

    def related_objects(self, obj):
        if isinstance(obj, Dispatch):
            return [obj.case]
        return []

    def document_for(self, obj) -> SearchDocument | None:
        if not isinstance(obj, Case):
            return None
        case = self._queryset().filter(pk=obj.pk).first()
        return self._build(case) if case else None

    def documents_for_ids(self, doc_ids) -> dict[int, SearchDocument]:
        """``document_for`` of many cases in three queries (a ledger import's batch): a case
        missing from the answer is not in the library, so its document must go."""
        return {case.pk: self._build(case) for case in self._queryset().filter(pk__in=list(doc_ids))}

    def _build(self, case: Case) -> SearchDocument:
        dispatches = list(case.dispatches.all())  # prefetched with their departments
        departments = {d.department_id: d.department.name for d in dispatches}
        # De-identified before it is cut: a value cut in two matches nothing, and its first half
        # (a shop's name, a phone's first digits) would stay in the title.
        title = _clean(case.service_item.name, case) if case.service_item else _clean(case.matter, case)[:30]
        return SearchDocument(
            doc_type="case",
            doc_id=case.pk,
            external_id=case.tracking_number or "",
            title=f"{case.tracking_number} {title}",
            # The labels (难办, 办成) are shown beside the hit from the case itself; kept at the end
            # of the body so they still match, not at the head of every snippet.
            summary=_clean(case.resolution_summary, case),
            body=_clean(
                join_text(
                    case.matter, case.counter_failure_reason, case.cited_rule, case.alternative_path,
                    case.guidance_answer, case.referral_reason,
                    *[d.reply for d in dispatches if d.reply],
                    case.get_classification_display(), case.get_outcome_display(),
                ),
                case,
            ),
            url=reverse("cases:inspect", args=[case.pk]),
            department_ids=sorted(departments),
            department_names=[departments[k] for k in sorted(departments)],
            districts=[case.district.code],
            visibility=STAFF,
            restrict_keys=selectors.case_restrict_keys(case, department_ids=departments),
            published_at=case.closed_at,
            extra={"status": case.status, "outcome": case.outcome, "classification": case.classification},
        )


register(CaseSource())
