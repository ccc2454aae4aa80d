"""How a plain-text library document (title + body) becomes an article's searchable text.

One shaping for both paths that must rank alike: ``knowledge.importer`` fills a
SolutionArticlePage with these parts (summary = the first sentence, problem = the first
paragraph, steps = the remaining paragraphs as rich text), and ``search.sources.ArticleSource``
indexes that page; ``library_document`` builds the very same ``SearchDocument`` straight from
the text, which is what ``python -m search.bench relevance`` indexes. So the relevance
benchmark measures what a reader of an imported library gets through ``/api/search/``
(``python -m knowledge.bench relevance`` checks that they agree question by question).
"""

from __future__ import annotations

import html
import re

from django.utils.html import escape

from .engines.base import PUBLIC, SearchDocument

MAX_SUMMARY = 300

_SENTENCE_END = re.compile(r"[。！？!?；;]")
# Paragraph breaks: newlines, or whitespace between two CJK characters/punctuation
# (many government texts use a space where a line break was).
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_PARA_SPLIT = re.compile(rf"\s*\n\s*|(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")


# Only complete references ("&ldquo;", "&#8220;", "&amp;"): a bare "&" in plain text
# ("l&2", a link's "?a=1&para=2") is the text itself, not a reference.
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_references(text: str) -> str:
    """Plain text with the HTML character references a scraped source left in it decoded,
    so readers see "“" where the source spelled "&ldquo;" (decoded once: "&amp;lt;" is "&lt;")."""
    return _REFERENCE.sub(lambda m: html.unescape(m.group(0)), text) if "&" in text else text


def split_paragraphs(body: str) -> list[str]:
    return [p.strip() for p in _PARA_SPLIT.split(body) if p and p.strip()]


def first_sentence(text: str, limit: int = MAX_SUMMARY) -> str:
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text)
    sentence = text[: match.end()] if match else text
    if len(sentence) > limit:
        sentence = sentence[: limit - 1] + "…"
    return sentence


def body_parts(title: str, body: str) -> tuple[str, str, list[str]]:
    """(summary, problem, remaining paragraphs) from a plain-text body."""
    text = body.strip()
    # Many sources repeat the title as the first line; the summary should not.
    lead = text[len(title) :].strip() if title and text.startswith(title) and len(text) > len(title) else text
    paragraphs = split_paragraphs(lead) or [lead]
    # The first sentence of the first paragraph: a heading-like opening line
    # ("…的通知") makes a better summary than a run into the next paragraph.
    summary = first_sentence(paragraphs[0])
    return summary, paragraphs[0], paragraphs[1:]


def steps_html(paragraphs: list[str]) -> str:
    """The paragraphs as the rich text an imported article's steps hold."""
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def library_document(*, doc_id: int, external_id: str, title: str, body: str) -> SearchDocument:
    """The document ``ArticleSource`` indexes for an article imported from (title, body)."""
    from wagtail.rich_text import get_text_for_indexing

    from .sources import html_to_text, join_text

    # As knowledge.importer.parse_line reads a line.
    title = decode_references(title).strip()
    summary, problem, rest = body_parts(title, decode_references(body))
    # The steps' text as ArticleSource reads it (RichTextBlock's searchable content, then
    # html_to_text): a source that spells "&lt;" is indexed as "<" on both paths.
    steps = html_to_text(get_text_for_indexing(steps_html(rest)))
    return SearchDocument(
        doc_type="article",
        doc_id=doc_id,
        external_id=external_id,
        title=title,
        summary=summary,
        body=join_text(problem, steps),
        visibility=PUBLIC,
    )
