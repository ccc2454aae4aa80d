"""Clicks counted as readers, not requests: how much one client can teach the learned ranking.

A live click (``QueryClick``) carries the day's opaque marker of its client
(``analytics.click_client_key``: the rate-limit address, or the signed-in user, hashed with the
day). Counted per request, one client repeating a search and a click would push a chosen result up
for everyone at the next training. So, per marker (that is, per client and day):

- a (query, result) pair counts once, however often it was clicked (distinct readers, not clicks);
  queries that differ only in spaces and punctuation ("营业执照 怎么办？") are one query;
- only the first ``CLIENT_QUERIES`` distinct queries an anonymous client clicked from teach
  anything (a signed-in clerk searching precedents all day is marked per user and accountable);
- the result's own click count (the ``clicks`` feature and the memory's weights) gets at most one
  from it: a result it opened from several queries shares that one among them;
- a marker with more than ``CLIENT_BOT_CLICKS`` recorded clicks that day is a script, not a
  reader, and teaches nothing.

Clicks without a marker (``search_replay``, logs older than the marker) count one each, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from django.db.models import Count

from ..analytics import ROLE_ANONYMOUS
from . import rerank


@dataclass(frozen=True)
class ReaderClick:
    query: str
    doc: str
    role: str
    position: int | None
    weight: float  # the share of one reader's click this row carries (1.0 without a marker)


_NOT_A_WORD = re.compile(r"[\W_]+")


def _query_key(query: str) -> str:
    # Logged queries are already folded (width, case, traditional forms); spaces and
    # punctuation ("营业执照 怎么办？") do not make another question either.
    return _NOT_A_WORD.sub("", query) or query


def bot_markers(threshold: int) -> set[tuple[str, str]]:
    """(marker, role) pairs with more than ``threshold`` recorded clicks: scripts, not readers."""
    from ..models import QueryClick

    rows = (
        QueryClick.objects.exclude(client="")
        .order_by()
        .values("client", "role")
        .annotate(n=Count("pk"))
        .filter(n__gt=threshold)
        .values_list("client", "role")
    )
    return set(rows)


def reader_clicks(clicks=None) -> Iterator[ReaderClick]:
    """Every logged click (or those of the ``clicks`` queryset: the long reads) as the learned
    ranking may count it (see the module docstring); bots are told by all their clicks."""
    from ..models import QueryClick

    cfg = rerank.config()
    max_queries = int(cfg["CLIENT_QUERIES"])
    bots = bot_markers(int(cfg["CLIENT_BOT_CLICKS"]))
    # (marker, role) → query key → (query as first clicked, {doc: position of its first click})
    readers: dict[tuple[str, str], dict] = {}
    clicks = QueryClick.objects.all() if clicks is None else clicks
    rows = clicks.order_by("pk").values_list("query", "doc", "role", "position", "client")
    for query, doc, role, position, client in rows.iterator(chunk_size=5000):
        if not (query and doc):
            continue
        if not client:
            yield ReaderClick(query=query, doc=doc, role=role, position=position, weight=1.0)
            continue
        if (client, role) in bots:
            continue
        queries = readers.setdefault((client, role), {})
        key = _query_key(query)
        if key not in queries:
            if role == ROLE_ANONYMOUS and len(queries) >= max_queries:
                continue
            queries[key] = (query, {})
        queries[key][1].setdefault(doc, position)
    for (_client, role), queries in readers.items():
        per_doc: dict[str, int] = {}
        for _query, docs in queries.values():
            for doc in docs:
                per_doc[doc] = per_doc.get(doc, 0) + 1
        for query, docs in queries.values():
            for doc, position in docs.items():
                yield ReaderClick(query=query, doc=doc, role=role, position=position, weight=1.0 / per_doc[doc])
