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

from kernel.content_version import bumps_coalesced
from search import analysis, indexing
from search.documents import MAX_SUMMARY, body_parts, first_sentence, split_paragraphs  # noqa: F401 (re-exported)
from search.documents import decode_references
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

# Page fields the importer sets itself when it creates a page (``_add_child``): validating
# them again would cost a query each (foreign keys, unique path and translation key).
SET_BY_IMPORTER = ["content_type", "locale", "path", "depth", "numchild", "translation_key", "url_path"]

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
    # Published, but the portal's search index could not be written (queued for a retry):
    # (line, id). Not counted as published: readers cannot find them yet.
    unindexed: list[tuple[int, str]] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)

    @property
    def skipped(self):  # the earlier name, kept for callers
        return self.failed

    def summary(self) -> str:
        text = (
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
        if self.unindexed:
            text += _("另有 %(n)s 篇已上线但未能写入检索索引，读者暂时搜不到：已加入重试队列，"
                      "检索服务恢复后运行 manage.py process_index_queue。") % {"n": len(self.unindexed)}
        return text


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


def _decoded(value):
    return decode_references(value) if isinstance(value, str) else value


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
        # Plain text scraped from web pages may still spell characters as HTML references.
        "title": _text(_decoded(data.get("title")), name="title", required=True, max_length=MAX_TITLE),
        "body": _text(_decoded(data.get("body")), name="body", required=True, max_length=None),
        "topic": _text(data.get("topic"), name="topic", required=False, max_length=MAX_TITLE),
        "department": _text(data.get("department"), name="department", required=False, max_length=MAX_NAME),
        "tags": sorted(set(tag_list)),
        "public": data.get("public") is True,
    }


# --- the importer -------------------------------------------------------------


class ArticleImporter:
    def __init__(self, *, default_topic: str, public_source: bool = False):
        from wagtail.models import Site

        from .publish_guard import registered_contacts

        # Topics go under the default site's home page (the site tree, not the shell's model).
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        self.home = site.root_page.specific if site else None
        if self.home is None:
            raise CommandError(_("找不到默认站点的首页，请先运行 migrate。"))
        self.default_topic = default_topic
        self.public_source = public_source
        self.registered = registered_contacts()
        self._topics: dict[str, object] = {}
        self._departments: dict[str, object] = {}
        self.last_page_id: int | None = None
        self.last_findings: list = []
        self.new_topic_ids: list[int] = []
        self.index_retries = indexing.RETRY_DELAYS
        self.unindexed: set[int] = set()  # pages of the current batch the portal's index did not take
        self.start_batch(fast=True)

    def start_batch(self, *, fast: bool) -> None:
        """Forget what the previous batch reserved; ``fast`` defers revisions and history to ``flush``."""
        self.fast = fast
        self._next_path: dict[int, str] = {}  # topic pk -> path of its next new child
        self._slugs: dict[int, set[str]] = {}  # topic pk -> slugs of its children (read once per batch)
        self._existing: dict[str, object] = {}
        self._seen: set[str] = set()  # ids the batch's lines have imported so far
        self.new_children: dict[int, int] = {}  # topic pk -> pages added below it in this batch
        self.pending: list[dict] = []  # born-live pages whose revision and history are written by flush()
        self.born: list[tuple] = []  # (page, child rows) of the batch's born-live pages, once flushed
        self.line = None  # what the current line adds to the batch, kept only if the line succeeds

    def write_index(self, keys) -> None:
        """The batch's documents into the portal's index once it has committed, in bulk; the
        pages whose write failed (queued for a retry) are remembered for the summary."""
        failed = indexing.sync_collected(keys, retries=self.index_retries, documents=self._documents_in_memory())
        if failed:
            self.index_retries = ()  # the engine is down: later batches queue without waiting again
        self.unindexed.update(doc_id for _, doc_id in failed)

    def _documents_in_memory(self) -> dict:
        """The born-live pages' documents for the portal's index, built from the objects just
        saved (their child rows put back on them) instead of reading the batch back."""
        from search.sources import get_source

        source = get_source("article")
        if source is None or not self.born:
            return {}
        pages = []
        for page, related in self.born:
            _with_child_rows(page, related)
            pages.append(page)
        try:
            return {"article": source.documents_for_pages(pages)}
        finally:
            for page in pages:
                page.__dict__.pop("_cluster_related_objects", None)

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
    def _slug_base(title: str, *, fallback: str, suffix: str = "") -> str:
        base = slugify(title, allow_unicode=True)[:60].strip("-") or fallback
        if suffix:
            base = f"{base}-{suffix}"[:80].strip("-")
        return base

    def _child_slugs(self, topic) -> set[str]:
        """The slugs of ``topic``'s children, read once per batch (and again after a line fails
        or a page moves in) instead of once per new article."""
        taken = self._slugs.get(topic.pk)
        if taken is None:
            taken = self._slugs[topic.pk] = set(topic.get_children().values_list("slug", flat=True))
        return taken

    @classmethod
    def _free_slug(cls, parent, title: str, *, fallback: str, suffix: str = "",
                   taken: set[str] | None = None) -> str:
        """A slug no child of ``parent`` has. ``taken``: the children's slugs, when the caller
        keeps them (the chosen slug is added to it); otherwise they are read here."""
        base = cls._slug_base(title, fallback=fallback, suffix=suffix)
        if taken is None:
            taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
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

    def prefetch_existing(self, items: list[dict]) -> None:
        """The batch's already imported articles in one query (re-imports update them)."""
        from knowledge.models import SolutionArticlePage

        ids = [item["id"] for item in items]
        self._existing = {p.external_id: p for p in SolutionArticlePage.objects.filter(external_id__in=ids)}
        self._seen = set()

    def _reserve_path(self, topic) -> str:
        """The tree path of the next child of ``topic``: one look-up per topic and batch.

        What treebeard's add_child computes (a step after the last child's), without locking
        and reading the parent again for every page of the batch.
        """
        from wagtail.models import Page

        path = self._next_path.get(topic.pk)
        if path is None:
            Page.objects.select_for_update().filter(pk=topic.pk).exists()  # as add_child locks its parent
            last = (
                Page.objects.filter(path__startswith=topic.path, depth=topic.depth + 1)
                .order_by("-path").only("path").first()
            )
            path = last._inc_path() if last else Page._get_path(topic.path, topic.depth + 1, 1)
        self._next_path[topic.pk] = Page(path=path)._inc_path()
        return path

    def _add_child(self, topic, page) -> None:
        """``topic.add_child(instance=page)`` with the path reserved for the batch.

        The page is validated as Page.save() would (full_clean for a live page, see
        ``SET_BY_IMPORTER``); the parent's numchild is
        raised once per batch (``flush``) and the creation is logged with the batch's history.
        """
        page.depth = topic.depth + 1
        page.path = self._reserve_path(topic)
        page.numchild = 0
        page._cached_parent_obj = topic
        page._is_site_root = False  # a new page cannot be a site's root yet
        if page.locale_id is None:
            page.locale_id = topic.locale_id  # Page.get_default_locale(): the parent's locale
        # The child rows the save commits (modelcluster forgets them once written): the
        # revision is serialised from them instead of reading every child relation back.
        self.line["related"] = dict(getattr(page, "_cluster_related_objects", {}))
        # modelcluster's commit reads every relation it writes back first, to delete the rows
        # no longer wanted; a new page has none (Django's related managers answer from this
        # cache and drop it when they add rows).
        page._prefetched_objects_cache = {
            name: _related_model(page, name)._default_manager.none() for name in self.line["related"]
        }
        # Page.save() would run full_clean(); the tree position, locale, content type and
        # translation key were just set here (path reserved below the locked parent), so only
        # their database round trips are left out: every content field, the slug's uniqueness
        # among its siblings and the article's own rules are validated as always.
        page.full_clean(exclude=SET_BY_IMPORTER)
        page.save(clean=False, log_action=None)
        page.__dict__.pop("_prefetched_objects_cache", None)
        self.line["new_child_of"] = topic.pk
        self.line["logs"].append(self._log_entry(page, "wagtail.create", content_changed=True,
                                                 timestamp=timezone.now()))

    @staticmethod
    def _log_entry(page, action, *, revision=None, content_changed=False, data=None, timestamp=None):
        """The history entry ``wagtail.log_actions.log(page, action, …)`` writes, unsaved (see flush)."""
        from django.contrib.contenttypes.models import ContentType
        from wagtail.models import PageLogEntry

        return PageLogEntry(
            content_type=ContentType.objects.get_for_model(page, for_concrete_model=False),
            label=page.specific_deferred.get_admin_display_title(),
            action=action,
            timestamp=timestamp or timezone.now(),
            data=data or {},
            page=page,
            revision=revision,
            content_changed=content_changed,
            user=None,
            uuid=None,
        )

    def begin_line(self) -> None:
        self.line = {"new_child_of": None, "logs": [], "pending": None, "related": {}}

    def line_succeeded(self) -> None:
        """Keep what the current line added to the batch (its savepoint was released)."""
        line, self.line = self.line, None
        if line["new_child_of"] is not None:
            self.new_children[line["new_child_of"]] = self.new_children.get(line["new_child_of"], 0) + 1
        if line["pending"] is not None:
            line["pending"]["logs"] = line["logs"]
            self.pending.append(line["pending"])
        elif line["logs"]:
            self.pending.append({"page": None, "logs": line["logs"]})

    def line_failed(self) -> None:
        self.line = None
        self.forget_cached()
        # Rolled back: a topic created by the line is gone (and SQLite may give its id to the
        # next one); the next paths are read again from the database.
        self._next_path.clear()
        self._slugs.clear()

    def flush(self) -> list:
        """Write what the batch deferred, inside its transaction: the born-live pages' revisions
        (one insert), their revision pointers (one update), the parents' numchild, every history
        entry (one insert), then ``page_published`` for each page, as ``revision.publish()`` sends it.
        Returns the published pages.
        """
        from django.db.models import F
        from wagtail.models import Page, PageLogEntry, Revision
        from wagtail.signals import page_published

        from search.signal_handlers import page_syncs_batched

        from .signal_handlers import flag_checks_batched

        born = [p for p in self.pending if p["page"] is not None]
        if born:
            Revision.objects.bulk_create([p["revision"] for p in born])
            pages = []
            for p in born:
                page, revision = p["page"], p["revision"]
                page.latest_revision = page.live_revision = revision
                page.latest_revision_created_at = revision.created_at
                for entry in p["logs"]:
                    if entry.revision is not None:
                        entry.revision_id = entry.revision.pk
                pages.append(page)
            Page.objects.bulk_update(pages, ["latest_revision", "live_revision", "latest_revision_created_at"])
        for topic_pk, n in self.new_children.items():
            Page.objects.filter(pk=topic_pk).update(numchild=F("numchild") + n)
            topic = next((t for t in self._topics.values() if t.pk == topic_pk), None)
            if topic is not None:
                topic.numchild += n
        PageLogEntry.objects.bulk_create([entry for p in self.pending for entry in p["logs"]])
        # The handlers' look-ups (pages below each page, open review flags) once for the batch.
        with page_syncs_batched(), flag_checks_batched():
            for p in born:
                page_published.send(sender=p["page"].specific_class, instance=p["page"], revision=p["revision"])
        published = [p["page"] for p in born]
        self.born.extend((p["page"], p["related"]) for p in born)
        self.pending = []
        self.new_children = {}
        return published

    def import_one(self, item: dict) -> str:
        """Create or update one article; returns "created" | "updated" | "unchanged".

        Sets ``last_findings`` to what kept the article a draft ([] when it was published).
        Call ``begin_line`` before and ``line_succeeded``/``line_failed`` after.
        """
        from knowledge.models import SolutionArticlePage

        summary, problem, rest = body_parts(item["title"], item["body"])
        steps_html = library_steps_html(rest)
        topic = self.topic(item["topic"])
        department = self.department(item["department"])
        if item["id"] in self._existing:
            page = self._existing[item["id"]]
        elif item["id"] in self._seen:  # an earlier line of this batch may have created it
            page = SolutionArticlePage.objects.filter(external_id=item["id"]).first()
        else:  # not there when the batch was read, and no line since has had this id
            page = None
        self._seen.add(item["id"])
        self.last_findings = []

        if page is not None:
            page = SolutionArticlePage.objects.get(pk=page.pk)  # fresh: an earlier line may have moved it
            if self._unchanged(page, item, summary, problem, steps_html, topic, department):
                return "unchanged"
            if page.get_parent().pk != topic.pk:
                self._next_path.pop(topic.pk, None)  # the move takes the next free path below topic
                self._slugs.pop(topic.pk, None)  # and brings its slug there
                page.move(topic, pos="last-child")
                page.refresh_from_db()
            outcome = "updated"
        else:
            page = SolutionArticlePage(
                external_id=item["id"],
                slug=self._free_slug(topic, item["title"], fallback="article", suffix=slugify(item["id"])[:12],
                                     taken=self._child_slugs(topic)),
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
                self._add_child(topic, page)  # Page.save() runs full_clean()
            else:
                page.full_clean()
        except ValidationError as exc:
            raise LineError(_("内容不符合要求：") + "；".join(exc.messages)) from None
        if born_live and self.fast:
            self._defer_publication(page)
        else:
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

    def _defer_publication(self, page) -> None:
        """A new live page's first revision and history, written with the batch by ``flush``.

        The same revision ``page.save_revision()`` creates, and the same history as saving and
        publishing it: 修改 (wagtail.edit), 发布 (wagtail.publish) and the acknowledgements.
        """
        from wagtail.models import Revision

        from .acknowledgements import acknowledgement_log_actions

        now = timezone.now()
        revision = Revision(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            user=None,
            approved_go_live_at=None,
            content=_new_page_serializable_data(page, self.line["related"]),
            object_str=str(page),
            created_at=now,
        )
        logs = self.line["logs"]
        logs.append(self._log_entry(page, "wagtail.edit", revision=revision, content_changed=True, timestamp=now))
        logs.append(self._log_entry(page, "wagtail.publish", revision=revision, content_changed=True, timestamp=now))
        for action, data in acknowledgement_log_actions(before=[], after=page.public_info_acknowledgements):
            logs.append(self._log_entry(page, action, revision=revision, data=data, timestamp=now))
        self.line["pending"] = {"page": page, "revision": revision, "related": self.line["related"]}

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


def _related_model(page, name: str):
    """The model of ``page``'s child relation or parental many-to-many field ``name``."""
    return page._meta.get_field(name).related_model


def _with_child_rows(page, related: dict) -> None:
    """Put the child rows (and many-to-many choices) ``page`` was saved with back on it, as
    modelcluster holds them before a save: its relations then answer without a query."""
    from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations

    names = [r.get_accessor_name() for r in get_all_child_relations(page)]
    names += [f.name for f in get_all_child_m2m_relations(page)]
    page._cluster_related_objects = {name: list(related.get(name, ())) for name in names}


def _new_page_serializable_data(page, related: dict) -> dict:
    """``page.serializable_data()`` for a page just created with ``related`` as its only child rows.

    What Wagtail stores in the first revision, read from the objects the save has just written
    (their ids filled in) rather than with one query per child relation (seven for an article).
    """
    from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations

    names = [r.get_accessor_name() for r in get_all_child_relations(page)]
    names += [f.name for f in get_all_child_m2m_relations(page)]
    saved = page.__dict__.get("_cluster_related_objects")
    page._cluster_related_objects = {name: list(related.get(name, ())) for name in names}
    try:
        return page.serializable_data()
    finally:
        if saved is None:
            del page._cluster_related_objects
        else:
            page._cluster_related_objects = saved


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


def _articles(page_ids, *relations):
    """The articles among ``page_ids`` with ``relations`` read for all of them at once."""
    from knowledge.models import SolutionArticlePage

    return list(SolutionArticlePage.objects.filter(pk__in=list(page_ids)).prefetch_related(*relations))


def reindex_wagtail_search(page_ids: list[int], topic_ids: list[int] = ()) -> None:
    """Add imported pages (and new topics) to Wagtail's admin search index in bulk."""
    from wagtail.search.backends import get_search_backends

    from knowledge.models import SolutionArticlePage, TopicIndexPage

    backends = list(get_search_backends(with_auto_update=True))
    if not backends:
        return
    for start in range(0, len(page_ids), 100):
        # The related fields it indexes (departments, tags) read once per chunk, not per page.
        chunk = _articles(page_ids[start : start + 100], "departments", "tags")
        for backend in backends:
            backend.add_bulk(SolutionArticlePage, chunk)
    if topic_ids:
        topics = list(TopicIndexPage.objects.filter(pk__in=list(topic_ids)))
        for backend in backends:
            backend.add_bulk(TopicIndexPage, topics)


def update_reference_index(page_ids: list[int]) -> None:
    """Wagtail's reference index ("used by"), once per imported page rather than on every save."""
    from modelcluster.models import get_all_child_relations
    from wagtail.models import Page, ReferenceIndex

    from knowledge.models import SolutionArticlePage

    # The child rows it scans (tags, materials, comments) read once per batch, not per page.
    children = [rel.get_accessor_name() for rel in get_all_child_relations(SolutionArticlePage)]
    done = set()
    with transaction.atomic():  # one commit for the batch, not one per page
        for page in _articles(page_ids, *children):
            ReferenceIndex.create_or_update_for_object(page)
            done.add(page.pk)
        for page in Page.objects.filter(pk__in=[pk for pk in page_ids if pk not in done]).specific():
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
    # The batches' index writes are made searchable once, when the last one is written.
    with indexing.refresh_deferred():
        while True:
            batch = [x for _, x in zip(range(BATCH_SIZE), lines)]
            if not batch:
                break
            _import_batch(importer, batch, report, no_index=no_index)
            if progress is not None:
                progress.advance(len(batch))
    return report


def _import_batch(importer: ArticleImporter, batch, report: ImportReport, *, no_index: bool) -> None:
    # Both indexes analyse the batch's titles, summaries and paragraphs: each piece once.
    with analysis.shared_analysis():
        _import_batch_analysed(importer, batch, report, no_index=no_index)


def _import_batch_analysed(importer: ArticleImporter, batch, report: ImportReport, *, no_index: bool) -> None:
    importer.unindexed = set()
    try:
        done, failed = _write_batch(importer, batch, no_index=no_index, fast=True)
    except Exception:
        # Nothing of the batch was committed; write it again page by page (revisions and
        # history one at a time), so that one line still cannot take others with it.
        logger.exception("import_articles: batch write failed, retrying line by line")
        importer.forget_cached()
        done, failed = _write_batch(importer, batch, no_index=no_index, fast=False)
    report.failed.extend(failed)
    touched = []
    for outcome, findings, page_id, item, lineno in done:
        setattr(report, outcome, getattr(report, outcome) + 1)
        if findings:
            report.drafts.append(draft_entry(lineno, item, page_id, findings))
        elif page_id in importer.unindexed:
            report.unindexed.append((lineno, item["id"]))
        else:
            report.published += 1
        if outcome != "unchanged":
            touched.append(page_id)
    report.touched.extend(touched)
    if touched:
        update_reference_index(touched + importer.new_topic_ids)
    if touched and not no_index:
        reindex_wagtail_search(touched, importer.new_topic_ids)


def _write_batch(importer: ArticleImporter, batch, *, no_index: bool, fast: bool):
    """Write one batch in one transaction: (done, failed) once it has committed."""
    from search.indexing import batched

    importer.new_topic_ids = []
    importer.start_batch(fast=fast)
    items = []
    for lineno, raw in batch:
        try:
            items.append((lineno, raw, parse_line(raw)))
        except LineError as exc:
            items.append((lineno, raw, exc))
    # One transaction per batch, one savepoint per line: the portal's index is written once,
    # in bulk, after the batch commits (``batched``, ``write_index``); a crash mid-batch
    # commits nothing.
    keys: dict = {}
    with wagtail_search_deferred(), disable_reference_index_auto_update(), transaction.atomic():
        with batched(enqueue=not no_index, collect=keys), bumps_coalesced():
            done, failed = _write_lines(importer, items)
        if keys:
            transaction.on_commit(lambda: importer.write_index(keys))
    return done, failed


def _write_lines(importer: ArticleImporter, items):
    """Each line in its savepoint, then what the batch deferred (``flush``)."""
    done: list[tuple[str, list, int, dict, int]] = []
    importer.prefetch_existing([item for _, _, item in items if isinstance(item, dict)])
    failed = []
    for lineno, raw, item in items:
        if isinstance(item, LineError):
            failed.append((lineno, str(item)))
            continue
        importer.begin_line()
        try:
            with transaction.atomic():
                outcome = importer.import_one(item)
        except LineError as exc:
            failed.append((lineno, str(exc)))
            importer.line_failed()
            continue
        except Exception as exc:  # one bad line must not stop the import
            logger.exception("import_articles: line %s failed", lineno)
            failed.append((lineno, _("导入失败（%(error)s）") % {"error": type(exc).__name__}))
            importer.line_failed()
            continue
        importer.line_succeeded()
        done.append((outcome, importer.last_findings, importer.last_page_id, item, lineno))
    importer.flush()
    return done, failed


def write_report(report: ImportReport, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for entry in report.drafts:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
