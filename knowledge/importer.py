"""Importing a library of solution articles from JSON lines (``manage.py import_articles``).

Each line: ``{"id", "title", "body", "topic"?, "tags"?, "department"?}``. The
``id`` is kept as ``external_id`` so re-importing the same file updates pages
instead of duplicating them. Every line runs in its own transaction: a bad
line is reported with its number and leaves nothing behind.

    python manage.py import_articles library.jsonl [--no-index] [--default-topic 综合指引]
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.test.utils import override_settings
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.rich_text import RichText

from search import indexing

MAX_ID = 100
MAX_TITLE = 255
MAX_SUMMARY = 300
MAX_TAG = 100
MAX_NAME = 100
MAX_LINE_BYTES = 5 * 1024 * 1024

_SENTENCE_END = re.compile(r"[。！？!?；;]")
# Paragraph breaks: newlines, or whitespace between two CJK characters/punctuation
# (many government texts use a space where a line break was).
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_PARA_SPLIT = re.compile(rf"\s*\n\s*|(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")


class LineError(Exception):
    """A line that cannot be imported; the message is shown to the operator."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            _("导入完成：新建 %(created)s 篇，更新 %(updated)s 篇，未变化 %(unchanged)s 篇，跳过 %(skipped)s 行（无效）。")
            % {
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "skipped": len(self.skipped),
            }
        )


# --- text helpers ---------------------------------------------------------------


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


def _text(value, *, name: str, required: bool, max_length: int | None) -> str:
    if value is None:
        if required:
            raise LineError(_("缺少字段“%(name)s”") % {"name": name})
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str):
        raise LineError(_("字段“%(name)s”应为文本") % {"name": name})
    value = value.strip()
    if required and not value:
        raise LineError(_("字段“%(name)s”不能为空") % {"name": name})
    if max_length and len(value) > max_length:
        raise LineError(_("字段“%(name)s”过长（最多 %(max)s 个字符）") % {"name": name, "max": max_length})
    return value


def parse_line(raw: str) -> dict:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        raise LineError(_("不是有效的 JSON")) from None
    if not isinstance(data, dict):
        raise LineError(_("应为 JSON 对象"))
    tags = data.get("tags")
    if tags is None or tags == "":
        tag_list: list[str] = []
    elif isinstance(tags, str):
        tag_list = [t.strip() for t in re.split(r"[,，、;；]", tags) if t.strip()]
    elif isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        tag_list = [t.strip() for t in tags if t.strip()]
    else:
        raise LineError(_("字段“tags”应为文本列表"))
    if any(len(t) > MAX_TAG for t in tag_list):
        raise LineError(_("标签过长（最多 %(max)s 个字符）") % {"max": MAX_TAG})
    return {
        "id": _text(data.get("id"), name="id", required=True, max_length=MAX_ID),
        "title": _text(data.get("title"), name="title", required=True, max_length=MAX_TITLE),
        "body": _text(data.get("body"), name="body", required=True, max_length=None),
        "topic": _text(data.get("topic"), name="topic", required=False, max_length=MAX_TITLE),
        "department": _text(data.get("department"), name="department", required=False, max_length=MAX_NAME),
        "tags": sorted(set(tag_list)),
    }


# --- the importer -------------------------------------------------------------


class ArticleImporter:
    def __init__(self, *, default_topic: str):
        from portal.home.models import HomePage

        self.home = HomePage.objects.first()
        if self.home is None:
            raise CommandError(_("找不到首页（HomePage），请先运行 migrate。"))
        self.default_topic = default_topic
        self._topics: dict[str, object] = {}
        self._departments: dict[str, object] = {}
        self.last_page_id: int | None = None

    def forget_cached(self) -> None:
        # Topics/departments created inside a rolled-back line no longer exist.
        self._topics.clear()
        self._departments.clear()

    def topic(self, title: str):
        from knowledge.models import TopicIndexPage

        title = title or self.default_topic
        if title in self._topics:
            return self._topics[title]
        topic = TopicIndexPage.objects.child_of(self.home).filter(title=title).first()
        if topic is None:
            topic = TopicIndexPage(title=title, slug=self._free_slug(self.home, title, fallback="topic"))
            self.home.add_child(instance=topic)
            topic.save_revision().publish()
        self._topics[title] = topic
        return topic

    def department(self, name: str):
        from knowledge.models import Department

        if not name:
            return None
        if name not in self._departments:
            department = Department.objects.filter(name=name).first()
            if department is None:
                base = slugify(name, allow_unicode=True)[:70] or "dept"
                slug, n = base, 1
                while Department.objects.filter(slug=slug).exists():
                    n += 1
                    slug = f"{base}-{n}"
                department = Department(name=name, slug=slug)
                department.full_clean()
                department.save()
            self._departments[name] = department
        return self._departments[name]

    @staticmethod
    def _free_slug(parent, title: str, *, fallback: str, suffix: str = "", exclude_pk=None) -> str:
        base = slugify(title, allow_unicode=True)[:60].strip("-") or fallback
        if suffix:
            base = f"{base}-{suffix}"[:80].strip("-")
        siblings = parent.get_children()
        if exclude_pk:
            siblings = siblings.exclude(pk=exclude_pk)
        slug, n = base, 1
        while siblings.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def import_one(self, item: dict) -> str:
        """Create or update one article; returns "created" | "updated" | "unchanged"."""
        from knowledge.models import SolutionArticlePage

        summary, problem, rest = body_parts(item["title"], item["body"])
        steps_html = "".join(f"<p>{escape(p)}</p>" for p in rest)
        topic = self.topic(item["topic"])
        department = self.department(item["department"])
        page = SolutionArticlePage.objects.filter(external_id=item["id"]).first()

        if page is not None:
            if self._unchanged(page, item, summary, problem, steps_html, topic, department):
                return "unchanged"
            if page.get_parent().pk != topic.pk:
                page.move(topic, pos="last-child")
                page.refresh_from_db()
            outcome = "updated"
        else:
            page = SolutionArticlePage(
                external_id=item["id"],
                slug=self._free_slug(topic, item["title"], fallback="article", suffix=slugify(item["id"])[:12]),
            )
            outcome = "created"

        page.title = item["title"]
        page.summary = summary
        page.problem = problem
        page.steps = [("paragraph", RichText(steps_html))] if steps_html else []
        if outcome == "created":
            topic.add_child(instance=page)
        page.tags.set(item["tags"])
        page.departments.set([department] if department else [])
        try:
            page.full_clean()
        except ValidationError as exc:
            raise LineError(_("内容不符合要求：") + "；".join(exc.messages)) from None
        page.save_revision(log_action=True).publish()
        self.last_page_id = page.pk
        return outcome

    @staticmethod
    def _unchanged(page, item, summary, problem, steps_html, topic, department) -> bool:
        if not page.live or page.has_unpublished_changes:
            return False
        current_steps = "".join(str(block.value) for block in page.steps if block.block_type == "paragraph")
        return (
            page.title == item["title"]
            and page.summary == summary
            and page.problem == problem
            and current_steps == steps_html
            and page.get_parent().pk == topic.pk
            and sorted(t.name for t in page.tags.all()) == item["tags"]
            and sorted(d.pk for d in page.departments.all()) == ([department.pk] if department else [])
        )


@contextlib.contextmanager
def indexing_paused(paused: bool):
    """Skip per-page indexing during a bulk import; the caller re-indexes once at the end.

    Two indexes follow page saves: ours (``search.indexing.paused``) and Wagtail's own
    admin search index (its post_save handler skips backends whose AUTO_UPDATE is False).
    """
    if not paused:
        yield
        return
    backends = getattr(settings, "WAGTAILSEARCH_BACKENDS", {}) or {"default": {}}
    quiet_backends = {name: {**cfg, "AUTO_UPDATE": False} for name, cfg in backends.items()}
    with override_settings(WAGTAILSEARCH_BACKENDS=quiet_backends), indexing.paused():
        yield


def reindex_wagtail_search(page_ids: list[int]) -> None:
    """Add the imported pages to Wagtail's admin search index in bulk."""
    from wagtail.search.backends import get_search_backends

    from knowledge.models import SolutionArticlePage, TopicIndexPage

    for backend in get_search_backends(with_auto_update=True):
        for start in range(0, len(page_ids), 100):
            chunk = page_ids[start : start + 100]
            backend.add_bulk(SolutionArticlePage, list(SolutionArticlePage.objects.filter(pk__in=chunk)))
        backend.add_bulk(TopicIndexPage, list(TopicIndexPage.objects.all()))


