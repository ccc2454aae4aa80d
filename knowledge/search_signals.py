"""Readers' 有帮助 / 没帮助 votes as a public document-level signal for learned search ranking."""

from __future__ import annotations

from search.learning.signals import PUBLIC, VOTE_DOWN, VOTE_UP, Signal, page_doc_key, register

from knowledge.models import ArticleFeedback


def vote_signals():
    keys: dict[tuple[int, int], str | None] = {}
    rows = ArticleFeedback.objects.order_by().values_list("page_id", "page__content_type_id", "helpful")
    for page_id, content_type_id, helpful in rows.iterator(chunk_size=5000):
        key = keys.setdefault((page_id, content_type_id), page_doc_key(page_id, content_type_id))
        if key:
            yield Signal(query="", doc=key, kind=VOTE_UP if helpful else VOTE_DOWN, audience=PUBLIC, weight=0.0)


register("knowledge.votes", vote_signals)
