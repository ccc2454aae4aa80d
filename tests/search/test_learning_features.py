"""The reranker's features read the normalised text each engine stored at index time.

Both engines keep a document's title, summary and body normalised (NFKC, traditional →
simplified, lower case) beside the original, and hand it back with ``with_text=True``, so a
search does no OpenCC work per query. The features must come out exactly as when they are
computed from the original text, and an index written before the normalised text was stored
must still rank the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import pytest

from search import analysis
from search.engines.base import SearchDocument, SearchQuery
from search.learning.features import matrix

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
# Traditional characters, full-width letters and digits, upper case: text only matches the
# simplified, lower-case query once it is normalised.
DOCS = [
    SearchDocument(doc_type="article", doc_id=1, title="營業執照變更登記指引",
                   summary="辦理營業執照變更，需要提交ＡＢＣ表格。",
                   body="營業執照變更登記：法定代表人變更的，到市場監管窗口提交申請；ＱＲ碼掃碼預約，１２３號窗口。",
                   published_at=datetime(2026, 3, 1, tzinfo=timezone.utc)),
    SearchDocument(doc_type="article", doc_id=2, title="营业执照遗失补领",
                   summary="营业执照遗失的，可以在网上申请补领。",
                   body="营业执照遗失后登报声明已取消，通过一网通办提交补领申请，变更事项另行办理。",
                   published_at=datetime(2025, 6, 1, tzinfo=timezone.utc)),
    SearchDocument(doc_type="policy", doc_id=3, title="關於市場主體登記的規定",
                   summary="市场主体登记管理条例实施细则。",
                   body="市場主體變更登記事項，應當自作出變更決議之日起30日內申請變更登記。營業執照記載事項。"),
    SearchDocument(doc_type="article", doc_id=4, title="QR码预约取号",
                   summary="", body="窗口取号可以用ＱＲ码预约，也可以现场取号。"),
]
QUERIES = ["营业执照变更需要什么材料", "qr码预约", "市场主体变更登记"]


@pytest.fixture
def library(search_engine):
    search_engine.index(DOCS)
    if hasattr(search_engine, "refresh"):
        search_engine.refresh()
    return search_engine


def _hits(engine, q):
    return engine.search(SearchQuery(q=q, page_size=30, facets=False, with_text=True)).hits


def _from_original_text(hits):
    return [replace(h, title_norm=None, summary_norm=None, body_norm=None) for h in hits]


def test_hits_carry_the_text_normalised_at_index_time(library):
    hits = _hits(library, "营业执照变更")
    assert {h.doc_id for h in hits} >= {1, 2, 3}
    for h in hits:
        assert (h.title_norm, h.summary_norm, h.body_norm) == (
            analysis.normalize(h.title), analysis.normalize(h.summary), analysis.normalize(h.body))
    assert next(h for h in hits if h.doc_id == 1).title_norm == "营业执照变更登记指引"


def test_features_from_the_stored_text_equal_those_from_the_original(library):
    for q in QUERIES:
        hits = _hits(library, q)
        assert len(hits) >= 2 and all(h.body_norm is not None for h in hits)
        stored = matrix(q, hits, None, now=NOW)
        assert np.array_equal(stored, matrix(q, _from_original_text(hits), None, now=NOW))
        assert stored[:, 2:8].any()  # the text features did see the query in the documents


def test_an_index_written_before_the_normalised_text_was_stored_ranks_the_same(library):
    q = QUERIES[0]
    expected = matrix(q, _hits(library, q), None, now=NOW)
    if library.name == "embedded":
        with library.db.cursor() as cur:
            cur.execute("UPDATE search_entry SET summary_norm = NULL, body_norm = NULL")
    else:  # a fresh index (same scores) of documents as an older writer sent them: no text_norm
        library.clear()
        for doc in DOCS:
            source = library._source(doc)
            del source["text_norm"]
            library.client.index(index=library.alias, id=f"{doc.doc_type}:{doc.doc_id}", document=source)
        library.refresh()
    hits = _hits(library, q)
    assert hits and all(h.body_norm is None and h.summary_norm is None for h in hits)
    assert np.array_equal(matrix(q, hits, None, now=NOW), expected)
