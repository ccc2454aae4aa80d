"""Embedded engine under a postings budget: the commonest query tokens are dropped, never the specific ones."""

import pytest

from search.engines import embedded
from search.engines.base import SearchDocument, SearchQuery
from search.engines.embedded import EmbeddedEngine


@pytest.fixture
def engine(tmp_path, db, monkeypatch):
    monkeypatch.setattr(embedded, "RANK_POSTINGS_BUDGET", 10)
    eng = EmbeddedEngine(sqlite_path=str(tmp_path / "budget.sqlite3"))
    docs = [
        SearchDocument(doc_type="article", doc_id=i, title=f"第{i}号指引", body="窗口办理材料清单" if i <= 30 else "咨询服务")
        for i in range(1, 100)
    ]
    docs.append(SearchDocument(doc_type="article", doc_id=100, title="廉租房申请", body="廉租房申请需要哪些办理材料"))
    eng.rebuild(docs)
    return eng


def test_specific_document_ranks_first_when_common_tokens_are_dropped(engine):
    res = engine.search(SearchQuery(q="廉租房办理材料"))
    assert [(h.doc_type, h.doc_id) for h in res.hits][0] == ("article", 100)
    # The least common of the common tokens is still searched: the 30 documents with 办理材料 come along.
    assert res.count == 31


def test_unknown_terms_still_find_nothing(engine):
    res = engine.search(SearchQuery(q="量子纠缠望远镜天文台"))
    assert res.count == 0 and res.hits == []
