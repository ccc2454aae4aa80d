"""Embedded engine (SQLite): an index written before migration 0004 keeps cases private and facets counted.

Migration 0004 moved visibility to ``NOT meta:np…`` and facet counts to
``search_entry_facets``; an index written before it lacks both until the
migration fills them in. These tests strip them from a fresh index and run the
migration's fill-in.
"""

import pytest

from search.engines import embedded
from search.engines.base import STAFF, SearchDocument, SearchQuery
from search.engines.embedded import EmbeddedEngine

DOCS = [
    SearchDocument(doc_type="article", doc_id=1, title="个体工商户简易注销指引", body="前租户未注销怎么办",
                   department_ids=[7], department_names=["虹口区市场监管局"], topic="kaiban"),
    SearchDocument(doc_type="case", doc_id=2, title="餐饮店因前租户未注销无法登记", body="前租户歇业后未注销",
                   visibility=STAFF, restrict_keys=["dept:7"], department_ids=[7], department_names=["虹口区市场监管局"]),
    SearchDocument(doc_type="case", doc_id=3, title="前租户未注销，新店办照受阻", body="崇明区",
                   visibility=STAFF, restrict_keys=["dept:8"], department_ids=[8], department_names=["崇明区市场监管局"]),
]


@pytest.fixture
def old_index(tmp_path, db):
    """A fresh index made to look like one written before migration 0004."""
    eng = EmbeddedEngine(sqlite_path=str(tmp_path / "old.sqlite3"))
    eng.rebuild(DOCS)
    with eng.db.cursor() as cur:
        cur.execute("DELETE FROM search_entry_facets")
        cur.execute("SELECT rowid, meta FROM search_fts")
        for rowid, meta in cur.fetchall():
            cur.execute("UPDATE search_fts SET meta = %s WHERE rowid = %s",
                        [meta.replace(embedded.NON_PUBLIC, "").strip(), rowid])
    return eng


def _found(eng, **kw):
    return sorted((h.doc_type, h.doc_id) for h in eng.search(SearchQuery(**kw)).hits)


def test_the_migration_fill_in_keeps_cases_from_anonymous_readers(old_index):
    with old_index.db.cursor() as cur:
        embedded.backfill_non_public_token(cur)
        embedded.backfill_facet_keys(cur)
        embedded.backfill_non_public_token(cur)  # twice: the token is not added again
        cur.execute("SELECT meta FROM search_fts WHERE rowid = 2")
        assert cur.fetchone()[0].count(embedded.NON_PUBLIC) == 1
    assert _found(old_index, q="前租户未注销") == [("article", 1)]
    assert _found(old_index, q="前租户未注销", include_staff=True, restrict_keys=["dept:7"]) == [
        ("article", 1), ("case", 2)]
    res = old_index.search(SearchQuery(q="前租户未注销", include_staff=True, restrict_keys=None))
    assert {f["label"]: f["count"] for f in res.facets["department"]} == {"虹口区市场监管局": 2, "崇明区市场监管局": 1}
    assert {f["value"]: f["count"] for f in res.facets["type"]} == {"article": 1, "case": 2}


def test_entries_missing_their_facet_row_are_filled_in_at_search_time(old_index):
    # Facet rows are written back the first time a search meets an entry without one.
    res = old_index.search(SearchQuery(q="前租户未注销", include_staff=True, restrict_keys=None))
    assert res.count == 3 and sum(f["count"] for f in res.facets["type"]) == 3


def test_browsing_cases_without_a_query_shows_only_permitted_ones(tmp_path, db):
    eng = EmbeddedEngine(sqlite_path=str(tmp_path / "browse.sqlite3"))
    eng.rebuild(DOCS)
    assert _found(eng, q="", types=["case"]) == []
    assert _found(eng, q="", types=["case"], include_staff=True, restrict_keys=["dept:8"]) == [("case", 3)]
    assert _found(eng, q="", types=["case"], include_staff=True, restrict_keys=[]) == []


def test_a_tag_holding_the_key_separator_does_not_break_the_facets(tmp_path, db):
    eng = EmbeddedEngine(sqlite_path=str(tmp_path / "odd.sqlite3"))
    eng.rebuild([SearchDocument(doc_type="article", doc_id=1, title="简易注销指引", tags=["注销\x1e歇业", "注销"])])
    res = eng.search(SearchQuery(q="简易注销"))
    assert res.count == 1 and [f["label"] for f in res.facets["tag"]] == ["注销"]
