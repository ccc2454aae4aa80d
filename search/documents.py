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

import re

from django.utils.html import escape

from .engines.base import PUBLIC, SearchDocument

MAX_SUMMARY = 300

_SENTENCE_END = re.compile(r"[。！？!?；;]")
# Paragraph breaks: newlines, or whitespace between two CJK characters/punctuation
# (many government texts use a space where a line break was).
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_PARA_SPLIT = re.compile(rf"\s*\n\s*|(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")


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

    title = title.strip()
    summary, problem, rest = body_parts(title, body)
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
