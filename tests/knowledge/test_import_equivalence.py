"""An imported article is indistinguishable from one an editor creates and publishes (issue 13).

``import_articles`` writes a batch's revisions and history in bulk and reserves tree paths
once per batch, for speed; what it leaves behind must be what Wagtail's own path gives:
the page's live state, one revision (live and latest), the same history entries, a place
in a consistent tree, an entry in the portal's search index, in Wagtail's admin search
and in the reference index.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision

from wagtail.search.models import IndexEntry
from modelsearch.utils import get_content_type_pk

from knowledge.acknowledgements import audit_acknowledgements
from knowledge.models import SolutionArticlePage
from search import analysis
from search.engines import get_engine
from search.engines.base import SearchQuery

pytestmark = pytest.mark.django_db

NOTICE = {
    "id": "notice-eq",
    "title": "关于做好复工复产登记的通知",
    "body": "关于做好复工复产登记的通知 各企业：请于2月20日前完成登记。 联系人：王蔚，联系电话：010-64521233，"
            "电子邮箱：fugong@rsj.beijing.gov.cn。 地址：北京市西城区西三环南路1号北京市政务中心。",
    "topic": "复工复产",
    "department": "人力资源和社会保障局",
    "tags": ["复工"],
}
OTHERS = [
    {"id": f"other-{n}", "title": f"复工复产登记须知{n}", "body": f"复工复产登记须知{n} 第{n}条：企业按期登记。",
     "topic": "复工复产"}
    for n in range(3)
]

# Fields that name the page rather than describe its state.
IDENTITY = {"pk", "id", "page_ptr", "path", "slug", "url_path", "title", "draft_title", "external_id",
            "translation_key", "latest_revision", "live_revision", "latest_revision_created_at",
            "first_published_at", "last_published_at", "live", "has_unpublished_changes", "wagtail_admin_comments"}


def _state(revision) -> dict:
    """A revision's content without what names the page (child rows lose their own ids)."""
    def strip(value):
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("pk", "content_object", "page")}
        if isinstance(value, str) and value.startswith(("[", "{")):
            try:  # stream fields are stored as JSON text; PostgreSQL may order the keys differently
                return strip(json.loads(value))
            except ValueError:
                pass
        return value

    return {k: strip(v) for k, v in revision.content.items() if k not in IDENTITY}


def _history(page):
    entries = PageLogEntry.objects.filter(page=page).order_by("timestamp", "pk")
    return [
        (e.action, e.content_changed, e.revision_id == page.live_revision_id if e.revision_id else None,
         e.user_id, e.label == page.title, e.content_type.model_class(),
         {k: v for k, v in e.data.items() if k != "text"})
        for e in entries
    ]


def _published_by_an_editor(imported):
    """The same article created and published through Wagtail's own path (add_child, save_revision, publish)."""
    topic = imported.get_parent()
    page = SolutionArticlePage(
        title="复工复产登记的通知（编辑发布）",
        slug="editor-copy",
        summary=imported.summary,
        problem=imported.problem,
        steps=imported.steps.raw_data,
        public_info_acknowledgements=imported.public_info_acknowledgements,
    )
    page.tags.set([t.name for t in imported.tags.all()])
    page.departments.set(list(imported.departments.all()))
    topic.add_child(instance=page)
    revision = page.save_revision(log_action=True)
    revision.publish()
    audit_acknowledgements(page=page, user=None, before=[], after=page.public_info_acknowledgements,
                           revision=revision)
    ReferenceIndex.create_or_update_for_object(page)
    return SolutionArticlePage.objects.get(pk=page.pk)


def _portal_entry(page) -> dict:
    """The page's entry in the portal's index, as the engine returns it (texts and normalised texts)."""
    hits = get_engine().search(SearchQuery(q=page.title, types=["article"], page_size=20, with_text=True)).hits
    hit = next(h for h in hits if h.doc_id == page.pk)
    return {"summary": hit.summary, "body": hit.body, "summary_norm": hit.summary_norm, "body_norm": hit.body_norm,
            "title_norm": hit.title_norm == analysis.normalize(page.title), "url": hit.url == page.url}


def _admin_entry(page) -> dict:
    """The page's row in Wagtail's admin search index: its analysed body (text on SQLite, a
    tsvector on PostgreSQL) and whether its title norm was computed."""
    entry = IndexEntry.objects.get(content_type_id=get_content_type_pk(SolutionArticlePage), object_id=str(page.pk))
    return {"body": str(entry.body), "title_norm_computed": entry.title_norm != 1.0}


def test_an_imported_article_is_what_publishing_it_in_the_editor_gives(tmp_path, django_capture_on_commit_callbacks,
                                                                       search_engine):
    path = tmp_path / "library.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in [*OTHERS, NOTICE]) + "\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(path), "--public-source", stdout=StringIO(), stderr=StringIO())
    imported = SolutionArticlePage.objects.get(external_id="notice-eq")
    assert imported.public_info_acknowledgements  # the notice's contacts were confirmed as public
    with django_capture_on_commit_callbacks(execute=True):
        edited = _published_by_an_editor(imported)

    # Live state and revisions.
    for page in (imported, edited):
        assert page.live and not page.has_unpublished_changes
        assert page.live_revision_id == page.latest_revision_id
        assert page.first_published_at and page.last_published_at and page.latest_revision_created_at
        assert page.draft_title == page.title
        assert Revision.objects.filter(object_id=str(page.pk), base_content_type=page.get_base_content_type()).count() == 1
        assert page.latest_revision.content_type_id == page.content_type_id
        assert page.latest_revision.object_str == page.title
    assert _state(imported.live_revision) == _state(edited.live_revision)
    # The revision opens as the page itself (what previews, compare and revert read).
    assert imported.live_revision.as_object().summary == imported.summary

    # Tree: siblings under the topic, with consistent paths, depths and child counts.
    assert imported.get_parent().pk == edited.get_parent().pk
    assert imported.url_path == imported.get_parent().url_path + imported.slug + "/"
    assert Page.find_problems() == ([], [], [], [], [])
    topic = Page.objects.get(pk=imported.get_parent().pk)
    assert topic.numchild == topic.get_children().count() == len(OTHERS) + 2
    assert imported.locale_id == edited.locale_id == topic.locale_id

    # History: the same entries in the same order (created, edited, published, each confirmation).
    assert _history(imported) == _history(edited)
    assert [a for a, *_ in _history(imported)][:3] == ["wagtail.create", "wagtail.edit", "wagtail.publish"]

    # The portal's search index, Wagtail's admin search and the reference index have both.
    hits = get_engine().search(SearchQuery(q="复工复产登记的通知", types=["article"], page_size=20)).hits
    assert {imported.pk, edited.pk} <= {h.doc_id for h in hits}
    admin_hits = {p.pk for p in SolutionArticlePage.objects.all().search("复工复产")}
    assert {imported.pk, edited.pk} <= admin_hits
    # ... with the same entries: what names the page aside, the same texts and analysed tokens.
    assert _portal_entry(imported) == _portal_entry(edited)
    assert _portal_entry(imported)["body_norm"]
    assert _admin_entry(imported) == _admin_entry(edited)
    assert _admin_entry(imported)["title_norm_computed"] and "复工" in _admin_entry(imported)["body"]
    assert ReferenceIndex.get_references_for_object(imported).count() == \
        ReferenceIndex.get_references_for_object(edited).count() > 0
