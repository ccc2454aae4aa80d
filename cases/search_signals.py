""""这篇指引解决了": a guide linked to the case it resolved teaches staff search that the case's
(de-identified) matter leads to that guide. Staff-only: the public model never sees these."""

from __future__ import annotations

from kernel.personal_data import without_placeholders
from search.analytics import normalize_query
from search.learning.signals import RESOLVED, STAFF, WEIGHTS, Signal, page_doc_key, register

from cases import selectors
from cases.models import CaseArticleLink


def resolved_signals():
    links = (
        CaseArticleLink.objects.filter(relation=CaseArticleLink.Relation.RESOLVED_BY)
        .select_related("case", "page")
        .order_by("pk")
    )
    for link in links.iterator(chunk_size=500):
        key = page_doc_key(link.page_id, link.page.content_type_id)
        # Placeholders are not the matter's words: learned, they would tie every such case to this guide.
        matter = selectors.deidentified_text(link.case.matter or "", link.case)
        query = normalize_query(without_placeholders(matter))
        if key and query:
            yield Signal(query=query, doc=key, kind=RESOLVED, audience=STAFF, weight=WEIGHTS[RESOLVED])


register("cases.resolved", resolved_signals)
