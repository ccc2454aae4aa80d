"""Embedded engine on SQLite: facet counts over a sample say so, on the page too."""

import pytest
from django.template.loader import render_to_string

from search.engines import embedded
from search.engines.base import SearchDocument, SearchQuery
from search.engines.embedded import EmbeddedEngine


@pytest.fixture
def engine(tmp_path, db):
    eng = EmbeddedEngine(sqlite_path=str(tmp_path / "facets.sqlite3"))
    eng.rebuild(
        SearchDocument(doc_type="article", doc_id=i, title=f"第{i}号注销指引", body="企业注销办理材料",
                       topic="zhuxiao" if i % 2 else "kaiban")
        for i in range(1, 11)
    )
    return eng


def test_counts_are_exact_below_the_sample_size(engine):
    res = engine.search(SearchQuery(q="注销"))
    assert res.count == 10 and res.facets_sampled == 0
    assert sum(f["count"] for f in res.facets["topic"]) == 10


def test_counts_over_a_sample_are_flagged_and_the_page_says_so(engine, monkeypatch):
    monkeypatch.setattr(embedded, "FACET_SAMPLE", 4)
    res = engine.search(SearchQuery(q="注销"))
    assert res.count == 10 and res.facets_sampled == 4
    assert sum(f["count"] for f in res.facets["topic"]) == 4
    html = render_to_string("search/search.html", {
        "results": res, "facets": [{"title": "主题", "items": []}], "hits": [], "search_query": "注销",
    })
    assert "筛选项后的数字按最相关的 4 条结果统计" in html


def test_fts_rows_whose_entry_is_gone_are_purged_not_counted(engine):
    # The entry table emptied behind the engine's back (a test-database flush does that).
    with engine.db.cursor() as cur:
        cur.execute("DELETE FROM search_entry WHERE doc_id > 3")
    res = engine.search(SearchQuery(q="注销"))
    assert res.count == 3 and sorted(h.doc_id for h in res.hits) == [1, 2, 3]
    assert sum(f["count"] for f in res.facets["type"]) == 3
    with engine.db.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM search_fts")
        assert cur.fetchone()[0] == 3


def test_pages_beyond_the_sample_continue_the_same_ranking(engine, monkeypatch):
    # Reference: one page holding every match, ranked in one pass.
    everything = [h.doc_id for h in engine.search(SearchQuery(q="第3号注销指引", page_size=10)).hits]
    monkeypatch.setattr(embedded, "FACET_SAMPLE", 4)
    pages = [engine.search(SearchQuery(q="第3号注销指引", page=p, page_size=3)) for p in (1, 2, 3, 4)]
    assert [h.doc_id for res in pages for h in res.hits] == everything
    assert everything[0] == 3 and all(res.count == 10 for res in pages)


def test_browsing_without_a_query_lists_newest_first_across_pages(tmp_path, db):
    import datetime

    eng = EmbeddedEngine(sqlite_path=str(tmp_path / "browse.sqlite3"))
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    eng.rebuild(
        SearchDocument(doc_type="article", doc_id=i, title=f"指引{i}", topic="kaiban",
                       published_at=start + datetime.timedelta(days=i))
        for i in range(1, 8)
    )
    first = eng.search(SearchQuery(q="", topic="kaiban", page=1, page_size=3))
    rest = [eng.search(SearchQuery(q="", topic="kaiban", page=p, page_size=3)) for p in (2, 3)]
    assert first.count == 7
    assert [h.doc_id for res in [first, *rest] for h in res.hits] == [7, 6, 5, 4, 3, 2, 1]
