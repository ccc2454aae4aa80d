"""Features of (query, document) pairs over an engine's top k — the same on both engines.

Everything here comes from the hits themselves (score, rank, title, summary, body, date, which
either engine returns with ``SearchQuery(with_text=True)``) and from the memory the logs built.
Query-token weights are inverse document frequencies *within the candidates* (a token every
candidate contains does not tell them apart), so no engine statistics are needed.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import analysis
from .memory import Memory

FEATURES = (
    "engine", "rank", "title", "summary", "body", "verbatim",
    "passage", "passage_wide", "words", "memory", "memory_sim", "clicks", "votes", "fresh",
)
LABELS = {
    "engine": _("检索得分"),
    "rank": _("原始名次"),
    "title": _("标题含查询词"),
    "summary": _("摘要含查询词"),
    "body": _("正文含查询词"),
    "verbatim": _("连续原文匹配"),
    "passage": _("同一句段集中出现查询词"),
    "passage_wide": _("同一段落集中出现查询词"),
    "words": _("整词匹配（按词计的相关度）"),
    "memory": _("以往相似提问点开了它"),
    "memory_sim": _("与以往提问整体相近"),
    "clicks": _("以往点击和采用"),
    "votes": _("读者“有帮助”评价"),
    "fresh": _("发布时间较新"),
}


@lru_cache(maxsize=4096)
def _norm(text: str) -> str:
    # Only for hits without their stored normalised text; normalising a body (OpenCC) is the costly part.
    return analysis.normalize(text or "")


def _normalised(hit, field: str) -> str:
    """The hit's text normalised: as the engine stored it at index time, else normalised here
    (an index written before it stored the normalised text, until its next rebuild)."""
    stored = getattr(hit, f"{field}_norm", None)
    return stored if stored is not None else _norm(getattr(hit, field, ""))


def doc_key(hit) -> str:
    return f"{hit.doc_type}:{hit.doc_id}"


def _weighted_share(tokens: list[str], weights: list[float], present) -> float:
    total = sum(weights)
    return sum(w for t, w in zip(tokens, weights) if t in present) / total if total else 0.0


# Word-level BM25 (the "bigram and word BM25"): the engines match character bigrams, so
# a whole word (贴息, 病死猪) counted here tells apart candidates the bigram score ties.
WORD_K1 = 1.2
WORD_B = 0.75

PASSAGE_CHARS = 120
PASSAGE_WIDE_CHARS = 400
SCAN_CHARS = 4000  # passages in long bodies: the start holds what a reader sees first (and bounds the cost)


def _events(text: str, tokens: list[str]) -> list[tuple[int, str]]:
    """(position, token) for every place in the first SCAN_CHARS characters where a query token
    starts, overlapping ones too ("营业", "业执" in 营业执照); where several start at one place, the
    longest (then the first in ``tokens``) — what a lookahead over the alternatives would find,
    at a fraction of the cost: str.find jumps from match to match instead of trying every position."""
    first: dict[int, str] = {}
    for t in sorted(tokens, key=len, reverse=True):
        pos = text.find(t, 0, SCAN_CHARS)
        while pos >= 0:
            first.setdefault(pos, t)
            pos = text.find(t, pos + 1, SCAN_CHARS)
    return sorted(first.items())


def _passages(events: list[tuple[int, str]], weight: dict[str, float], total: float,
              widths: tuple[int, ...]) -> list[float]:
    """For each width, the largest weighted share of query tokens inside one window of the text."""
    out = []
    for width in widths:
        best = score = 0.0
        counts: dict[str, int] = {}
        lo = 0
        for pos, t in events:
            if not counts.get(t):
                score += weight[t]
            counts[t] = counts.get(t, 0) + 1
            while events[lo][0] <= pos - width:
                lt = events[lo][1]
                counts[lt] -= 1
                if not counts[lt]:
                    score -= weight[lt]
                lo += 1
            if score > best:
                best = score
        out.append(best / total if total else 0.0)
    return out


def _word_bm25(words: list[str], texts: list[str]) -> list[float]:
    """BM25 of the query's words in each text, IDF and average length taken within the candidates,
    divided by the sum of the IDFs (so 1.0 would be every word present at the saturation level)."""
    n = len(texts)
    if not words or not n:
        return [0.0] * n
    counts = [[text.count(w) for w in words] for text in texts]
    lengths = [len(text) for text in texts]
    average = sum(lengths) / n or 1.0
    idf = [math.log(1 + (n - df + 0.5) / (df + 0.5)) for df in (sum(1 for c in counts if c[j]) for j in range(len(words)))]
    total = sum(idf) or 1.0
    out = []
    for row, length in zip(counts, lengths):
        norm = WORD_K1 * (1 - WORD_B + WORD_B * length / average)
        out.append(sum(w * tf * (WORD_K1 + 1) / (tf + norm) for w, tf in zip(idf, row) if tf) / total)
    return out


def matrix(q: str, hits: list, memory: Memory | None, *, exclude_query: str | None = None,
           now: datetime | None = None) -> np.ndarray:
    """One row of FEATURES per hit, in the hits' order.

    ``exclude_query`` leaves that query's own contribution out of the memory: while training,
    a logged query must not find itself there (it would learn "memory = the answer").
    """
    tokens = analysis.analyze_query(q)
    n = len(hits)
    out = np.zeros((n, len(FEATURES)), dtype=float)
    if not n or not tokens:
        return out
    titles = [_normalised(h, "title") for h in hits]
    summaries = [_normalised(h, "summary") for h in hits]
    bodies = [_normalised(h, "body") for h in hits]
    present = [
        {t for t in tokens if t in ti or t in su or t in bo} for ti, su, bo in zip(titles, summaries, bodies)
    ]
    df = {t: sum(1 for p in present if t in p) for t in tokens}
    weights = [math.log(1 + (n + 1) / (df[t] + 0.5)) for t in tokens]
    found = [t for t in tokens if df[t]]
    events = [_events(bo, found) if found and bo else [] for bo in bodies]
    token_set = set(tokens)
    weight_of = dict(zip(tokens, weights))
    total_weight = sum(weights)
    top = max((float(h.score or 0.0) for h in hits), default=0.0)
    now = now or timezone.now()
    word_scores = _word_bm25(analysis.query_words(q), [f"{ti} {bo}" for ti, bo in zip(titles, bodies)])
    for i, hit in enumerate(hits):
        row = out[i]
        row[0] = float(hit.score or 0.0) / top if top > 0 else 0.0
        row[1] = 1.0 / math.log2(i + 2)
        row[2] = _weighted_share(tokens, weights, {t for t in tokens if t in titles[i]})
        row[3] = _weighted_share(tokens, weights, {t for t in tokens if t in summaries[i]})
        row[4] = _weighted_share(tokens, weights, present[i])
        # Longest chain of consecutive query tokens the document contains: verbatim overlap.
        best = run = 0
        for t in tokens:
            run = run + 1 if t in present[i] else 0
            best = max(best, run)
        row[5] = best / len(tokens)
        row[6], row[7] = _passages(events[i], weight_of, total_weight, (PASSAGE_CHARS, PASSAGE_WIDE_CHARS))
        row[8] = word_scores[i]
        mem = memory.get(doc_key(hit)) if memory is not None else None
        if mem is not None:
            cover = sim = 0.0
            for past, past_tokens, _w in mem.queries:
                if past == exclude_query or not past_tokens:
                    continue
                shared = token_set & past_tokens
                if not shared:
                    continue
                c = _weighted_share(tokens, weights, shared)
                cover = max(cover, c)
                sim = max(sim, math.sqrt(c * len(shared) / len(past_tokens)))
            row[9], row[10] = cover, sim
            positives = mem.positives - (mem.weight_of(exclude_query) if exclude_query else 0.0)
            row[11] = math.log1p(max(0.0, positives))
            row[12] = (mem.up - mem.down) / (mem.up + mem.down + 2)
        published = getattr(hit, "published_at", None)
        if published is not None:
            if timezone.is_naive(published):
                published = timezone.make_aware(published, timezone.get_default_timezone())
            row[13] = math.exp(-max(0.0, (now - published).days) / 365.0)
    return out
