"""Importing a library of solution articles from JSON lines (``manage.py import_articles``).

Each line: ``{"id", "title", "body", "topic"?, "tags"?, "department"?, "public"?}``. The
``id`` is kept as ``external_id`` so re-importing the same file updates pages instead of
duplicating them. A bad line is reported with its number and leaves nothing behind (each
line is a savepoint); no line is ever dropped because of what the guard finds in it:

- nothing found: the article is published;
- a public source (``--public-source``, or ``"public": true`` on the line) whose findings
  are all public contact information (``knowledge.contact_points``): published, each
  finding acknowledged on the revision ("公开来源导入") and in the page history;
- anything else: imported as a draft, its findings (masked) listed in the report file for
  an editor to finish in 公开信息核查.

Speed (``python -m knowledge.bench import``): lines are written in batches of
``BATCH_SIZE`` inside one transaction, so the portal's index gets one bulk write per batch
after it commits, and Wagtail's own admin search index (which would analyse every page
three times, once per save) is written once per page, in bulk, after the batch.

    python manage.py import_articles library.jsonl [--public-source] [--report FILE] [--default-topic 综合指引]
"""

from __future__ import annotations

import contextlib
import logging
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.rich_text import RichText
from wagtail.signal_handlers import disable_reference_index_auto_update

from search import indexing
from search.documents import MAX_SUMMARY, body_parts, first_sentence, split_paragraphs  # noqa: F401 (re-exported)
from search.documents import steps_html as library_steps_html

logger = logging.getLogger(__name__)

MAX_ID = 100
MAX_TITLE = 255
MAX_TAG = 100
MAX_NAME = 100
MAX_LINE_BYTES = 5 * 1024 * 1024
BATCH_SIZE = 50
PUBLIC_SOURCE_REASON = "公开来源导入：原文公开发布的联系方式"
IMPORT_USER_LABEL = "导入"

# Paragraph breaks: newlines, or whitespace between two CJK characters/punctuation
# (many government texts use a space where a line break was).


class LineError(Exception):
    """A line that cannot be imported; the message is shown to the operator."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    drafts: list[dict] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)

    @property
    def skipped(self):  # the earlier name, kept for callers
        return self.failed

    def summary(self) -> str:
        return (
            _("导入完成：已发布 %(published)s 篇，草稿 %(drafts)s 篇（含需确认的信息），失败 %(failed)s 行；"
              "其中新建 %(created)s 篇，更新 %(updated)s 篇，未变化 %(unchanged)s 篇。")
            % {
                "published": self.published,
                "drafts": len(self.drafts),
                "failed": len(self.failed),
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
            }
        )


# --- lines ------------------------------------------------------------------------


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
        "public": data.get("public") is True,
    }


# --- the importer -------------------------------------------------------------


class ArticleImporter:
    def __init__(self, *, default_topic: str, public_source: bool = False):
        from portal.home.models import HomePage

        from .publish_guard import registered_contacts

        self.home = HomePage.objects.first()
        if self.home is None:
            raise CommandError(_("找不到首页（HomePage），请先运行 migrate。"))
        self.default_topic = default_topic
        self.public_source = public_source
        self.registered = registered_contacts()
        self._topics: dict[str, object] = {}
        self._departments: dict[str, object] = {}
        self.last_page_id: int | None = None
        self.last_findings: list = []
        self.new_topic_ids: list[int] = []

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
            self.new_topic_ids.append(topic.pk)
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
        taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    def _review(self, page, *, public: bool) -> tuple[bool, list]:
        """(publish?, findings to report). Public sources get their public contacts acknowledged."""
        from .acknowledgements import acknowledgement
        from .publish_guard import page_findings

        field_findings = page_findings(page, case_drawn=False, registered=self.registered)
        findings = [(ff.label, f) for ff in field_findings for f in ff.findings if f.blocks_without_acknowledgement]
        if not findings:
            page.public_info_acknowledgements = []
            return True, []
        if public and all(f.acknowledgeable for _, f in findings):
            acks = {}
            for _, f in findings:
                acks.setdefault(f.key, acknowledgement(f, reason=PUBLIC_SOURCE_REASON, user=IMPORT_USER_LABEL))
            page.public_info_acknowledgements = list(acks.values())
            return True, []
        page.public_info_acknowledgements = []
        return False, findings

    def import_one(self, item: dict) -> str:
        """Create or update one article; returns "created" | "updated" | "unchanged".

        Sets ``last_findings`` to what kept the article a draft ([] when it was published).
        """
        from knowledge.models import SolutionArticlePage

        summary, problem, rest = body_parts(item["title"], item["body"])
        steps_html = library_steps_html(rest)
        topic = self.topic(item["topic"])
        department = self.department(item["department"])
        page = SolutionArticlePage.objects.filter(external_id=item["id"]).first()
        self.last_findings = []

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
                live=False,
            )
            outcome = "created"

        page.title = item["title"]
        page.summary = summary
        page.problem = problem
        page.steps = [("paragraph", RichText(steps_html))] if steps_html else []
        # Relations are held in memory by modelcluster and written with the page's first save.
        page.tags.set(item["tags"])
        page.departments.set([department] if department else [])
        publish, findings = self._review(page, public=self.public_source or item.get("public", False))
        born_live = outcome == "created" and publish
        if born_live:
            # A new page is created live: one validated save instead of three (create, revision, publish).
            now = timezone.now()
            page.live, page.has_unpublished_changes = True, False
            page.first_published_at = page.last_published_at = now
        try:
            if outcome == "created":
                topic.add_child(instance=page)  # Page.save() runs full_clean()
            else:
                page.full_clean()
        except ValidationError as exc:
            raise LineError(_("内容不符合要求：") + "；".join(exc.messages)) from None
        # Cleaned above: the revision's own save skips a second full_clean.
        revision = page.save_revision(log_action=True, clean=False, changed=not born_live)
        if born_live:
            self._mark_published(page, revision)
        elif publish:
            revision.publish()
        if publish and page.public_info_acknowledgements:
            from .acknowledgements import audit_acknowledgements

            audit_acknowledgements(page=page, user=None, before=[], after=page.public_info_acknowledgements,
                                   revision=revision)
        self.last_page_id = page.pk
        self.last_findings = findings
        return outcome

    @staticmethod
    def _mark_published(page, revision) -> None:
        """What publishing a revision records, for a page that was created live from that revision.

        The same state, history entry and signal as ``revision.publish()`` (the portal's index,
        cache version and review flags follow ``page_published``), without saving the page again.
        """
        from wagtail.log_actions import log
        from wagtail.models import Page
        from wagtail.signals import page_published

        page.live_revision = revision
        Page.objects.filter(pk=page.pk).update(live_revision=revision)
        log(instance=page, action="wagtail.publish", revision=revision, content_changed=True)
        page_published.send(sender=page.specific_class, instance=page, revision=revision)

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
def wagtail_search_deferred():
    """Keep Wagtail's admin search index out of the page saves in the block.

    Its post_save handler skips backends whose AUTO_UPDATE is False; the caller adds the
    pages once, in bulk (``reindex_wagtail_search``), after its transaction commits.
    """
    from django.db.models.signals import post_save
    from modelsearch.index import get_indexed_models
    from modelsearch.signal_handlers import post_save_signal_handler

    backends = getattr(settings, "WAGTAILSEARCH_BACKENDS", {}) or {"default": {}}
    quiet_backends = {name: {**cfg, "AUTO_UPDATE": False} for name, cfg in backends.items()}
    # With AUTO_UPDATE off the handler's task still runs once per save, only to re-read the
    # object and find no backend to write to: leave it out while the block runs.
    muted = [m for m in get_indexed_models() if post_save.disconnect(post_save_signal_handler, sender=m)]
    try:
        with override_settings(WAGTAILSEARCH_BACKENDS=quiet_backends):
            yield
    finally:
        for model in muted:
            post_save.connect(post_save_signal_handler, sender=model)


@contextlib.contextmanager
def indexing_paused(paused: bool):
    """Skip per-page indexing during a bulk import; the caller rebuilds the portal's index at the end."""
    if not paused:
        yield
        return
    with wagtail_search_deferred(), indexing.paused():
        yield


def reindex_wagtail_search(page_ids: list[int], topic_ids: list[int] = ()) -> None:
    """Add imported pages (and new topics) to Wagtail's admin search index in bulk."""
    from wagtail.search.backends import get_search_backends

    from knowledge.models import SolutionArticlePage, TopicIndexPage

    for backend in get_search_backends(with_auto_update=True):
        for start in range(0, len(page_ids), 100):
            chunk = page_ids[start : start + 100]
            backend.add_bulk(SolutionArticlePage, list(SolutionArticlePage.objects.filter(pk__in=chunk)))
        if topic_ids:
            backend.add_bulk(TopicIndexPage, list(TopicIndexPage.objects.filter(pk__in=list(topic_ids))))


def update_reference_index(page_ids: list[int]) -> None:
    """Wagtail's reference index ("used by"), once per imported page rather than on every save."""
    from wagtail.models import Page, ReferenceIndex

    for page in Page.objects.filter(pk__in=page_ids).specific():
        ReferenceIndex.create_or_update_for_object(page)


def _masked_text(finding) -> str:
    text = finding.text
    if finding.category != "personal" or len(text) <= 4:
        return text
    return text[:2] + "*" * max(len(text) - 4, 1) + text[-2:]


def draft_entry(lineno: int, item: dict, page_id: int, findings) -> dict:
    """A line of the report file: which draft, and what an editor must look at (personal data masked)."""
    return {
        "line": lineno,
        "id": item["id"],
        "title": item["title"],
        "page_id": page_id,
        "findings": [
            {
                "field": label,
                "kind": f.kind_label,
                "category": f.category_label,
                "text": _masked_text(f),
                "why": f.why,
            }
            for label, f in findings
        ],
    }


def _lines(path: Path, report: ImportReport):
    with path.open("rb") as fh:
        for lineno, raw_bytes in enumerate(fh, start=1):
            if len(raw_bytes) > MAX_LINE_BYTES:
                report.failed.append((lineno, _("行过长")))
                continue
            try:
                raw = raw_bytes.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError:
                report.failed.append((lineno, _("不是有效的 UTF-8 文本")))
                continue
            if raw.strip():
                yield lineno, raw


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def import_file(
    path: Path,
    *,
    default_topic: str = "综合指引",
    public_source: bool = False,
    no_index: bool = False,
    progress=None,
) -> ImportReport:
    """Import every line of ``path``; see the module docstring. Never raises for a bad line."""
    importer = ArticleImporter(default_topic=default_topic, public_source=public_source)
    report = ImportReport()
    lines = _lines(path, report)
    while True:
        batch = [x for _, x in zip(range(BATCH_SIZE), lines)]
        if not batch:
            break
        _import_batch(importer, batch, report, no_index=no_index)
        if progress is not None:
            progress.advance(len(batch))
    return report


def _import_batch(importer: ArticleImporter, batch, report: ImportReport, *, no_index: bool) -> None:
    from search.indexing import batched

    importer.new_topic_ids = []
    done: list[tuple[str, list, int, dict, int]] = []
    # One transaction per batch, one savepoint per line: the portal's index is written once,
    # in bulk, after the batch commits (``batched``); a crash mid-batch commits nothing.
    with wagtail_search_deferred(), disable_reference_index_auto_update(), transaction.atomic(), \
            batched(enqueue=not no_index):
        for lineno, raw in batch:
            try:
                item = parse_line(raw)
                with transaction.atomic():
                    outcome = importer.import_one(item)
            except LineError as exc:
                report.failed.append((lineno, str(exc)))
                importer.forget_cached()
                continue
            except Exception as exc:  # one bad line must not stop the import
                logger.exception("import_articles: line %s failed", lineno)
                report.failed.append((lineno, _("导入失败（%(error)s）") % {"error": type(exc).__name__}))
                importer.forget_cached()
                continue
            done.append((outcome, importer.last_findings, importer.last_page_id, item, lineno))
    touched = []
    for outcome, findings, page_id, item, lineno in done:
        setattr(report, outcome, getattr(report, outcome) + 1)
        if findings:
            report.drafts.append(draft_entry(lineno, item, page_id, findings))
        else:
            report.published += 1
        if outcome != "unchanged":
            touched.append(page_id)
    report.touched.extend(touched)
    if touched:
        update_reference_index(touched + importer.new_topic_ids)
    if touched and not no_index:
        reindex_wagtail_search(touched, importer.new_topic_ids)


def write_report(report: ImportReport, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for entry in report.drafts:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
