"""Readers' 有帮助 / 没帮助 votes as a public document-level signal for learned search ranking."""

from __future__ import annotations

from search.learning.signals import PUBLIC, VOTE_DOWN, VOTE_UP, Signal, page_doc_key, register

from knowledge.models import ArticleFeedback


def vote_signals():
    """One vote per reader and page a day (their last): a script re-posting 有帮助 within the
    rate limits weighs as one reader. Votes without a marker (older ones) count one each."""
    keys: dict[tuple[int, int], str | None] = {}
    latest: dict[tuple[str, int], tuple[int, bool]] = {}
    rows = ArticleFeedback.objects.order_by("pk").values_list("page_id", "page__content_type_id", "helpful", "client")
    for page_id, content_type_id, helpful, client in rows.iterator(chunk_size=5000):
        if client:
            latest[(client, page_id)] = (content_type_id, helpful)
            continue
        yield from _vote(keys, page_id, content_type_id, helpful)
    for (_client, page_id), (content_type_id, helpful) in latest.items():
        yield from _vote(keys, page_id, content_type_id, helpful)


def _vote(keys: dict, page_id: int, content_type_id: int, helpful: bool):
    key = keys.setdefault((page_id, content_type_id), page_doc_key(page_id, content_type_id))
    if key:
        yield Signal(query="", doc=key, kind=VOTE_UP if helpful else VOTE_DOWN, audience=PUBLIC, weight=0.0)


register("knowledge.votes", vote_signals)
