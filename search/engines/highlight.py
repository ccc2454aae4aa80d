"""Readable snippets: the original text, escaped, with query matches wrapped in <mark>.

Matching happens on the normalised text (simplified, half-width, lowercase)
and is mapped back to the original characters, so a traditional or full-width
document is shown as written with the right words marked.
"""

from __future__ import annotations

import re

from django.utils.html import escape

from .. import analysis

SNIPPET_CHARS = 120
SCAN_CHARS = 4000  # only the start of long bodies is scanned for the best window (cost is per character)


def _pattern(terms: list[str]):
    terms = [t for t in terms if t]
    if not terms:
        return None
    terms.sort(key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in terms[:200]))


def find_spans(text: str, terms: list[str]) -> list[tuple[int, int, str]]:
    """Spans (start, end, term) in ``text``'s own indexes matching any normalised term."""
    pat = _pattern(terms)
    if pat is None or not text:
        return []
    norm, idx = analysis.normalize_with_map(text)
    spans = []
    for m in pat.finditer(norm):
        if m.end() <= m.start():
            continue
        start = idx[m.start()]
        end = idx[m.end() - 1] + 1
        spans.append((start, end, m.group(0)))
    return spans


def mark(text: str, spans: list[tuple[int, int, str]], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out = []
    pos = start
    for s, e, _t in spans:
        if e <= start or s >= end or s < pos:
            continue
        e = min(e, end)
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight_all(text: str, query: str) -> str:
    """The whole (short) text escaped, with matches marked — for titles."""
    terms = analysis.highlight_terms(query)
    return mark(text, find_spans(text, terms))


def snippet(query: str, *texts: str, length: int = SNIPPET_CHARS) -> str:
    """Best window of ``length`` characters from the first text that matches; safe HTML."""
    return snippet_for_terms(analysis.highlight_terms(query) if query else [], *texts, length=length)


def snippet_for_terms(terms: list[str], *texts: str, length: int = SNIPPET_CHARS) -> str:
    """Like :func:`snippet`, marking exactly ``terms`` (normalised words) instead of a query's."""
    terms = [analysis.normalize(t) for t in terms]
    fallback = ""
    for text in texts:
        if not text:
            continue
        text = text[:SCAN_CHARS]
        if not fallback:
            fallback = text
        spans = find_spans(text, terms)
        if not spans:
            continue
        # Window with the most distinct terms, preferring earlier text.
        best_start, best_score = 0, -1
        for i, (s, _e, _t) in enumerate(spans):
            win_start = max(0, s - length // 4)
            win_end = win_start + length
            distinct = {t for (ss, ee, t) in spans[i:] if ss < win_end}
            score = len(distinct) * 10 + sum(1 for (ss, ee, t) in spans[i:] if ss < win_end)
            if score > best_score:
                best_start, best_score = win_start, score
        win_end = min(len(text), best_start + length)
        body = mark(text, spans, best_start, win_end)
        return ("…" if best_start > 0 else "") + body + ("…" if win_end < len(text) else "")
    if not fallback:
        return ""
    return escape(fallback[:length]) + ("…" if len(fallback) > length else "")
