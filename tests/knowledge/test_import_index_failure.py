"""An import whose search-index writes fail says so (issue 13).

The pages are live, but readers cannot find them until the index takes them: the summary
counts them apart from the published ones, each line is named, and the writes wait in the
persistent queue for ``process_index_queue``. A real failure: Elasticsearch on a closed port.
"""

from __future__ import annotations

import json
import socket
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from knowledge.models import SolutionArticlePage
from search.engines import get_engine, reset_engines
from search.engines.base import SearchQuery
from search.models import PendingIndexOperation
from tests.search.conftest import ES_URL, configure_engine

# The index is written once the import's batch has committed: a test transaction never does.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.elasticsearch]

DOCS = [
    {"id": f"doc-{n}", "title": f"简易注销登记须知{n}", "body": f"简易注销登记须知{n} 符合条件的企业可以申请简易注销。"}
    for n in range(3)
]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_documents_the_index_did_not_take_are_reported_queued_and_indexed_later(tmp_path, settings):
    path = tmp_path / "library.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    configure_engine(settings, "elasticsearch", ES_URL=f"http://127.0.0.1:{_closed_port()}", ES_INDEX_PREFIX=prefix)
    out, err = StringIO(), StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=err)

    out, err = out.getvalue(), err.getvalue()
    assert "已发布 0 篇" in out and "另有 3 篇已上线但未能写入检索索引" in out, out
    assert all(f"（doc-{n}）：已上线，但未能写入检索索引" in err for n in range(3)), err
    assert SolutionArticlePage.objects.live().count() == 3
    assert PendingIndexOperation.objects.filter(doc_type="article").count() == 3

    # Elasticsearch is back: the queue writes them and readers find them.
    configure_engine(settings, "elasticsearch", ES_URL=ES_URL, ES_INDEX_PREFIX=prefix)
    try:
        call_command("process_index_queue", stdout=StringIO(), stderr=StringIO())
        hits = get_engine().search(SearchQuery(q="简易注销登记须知", types=["article"])).hits
        assert {h.external_id for h in hits} == {"doc-0", "doc-1", "doc-2"}
        assert not PendingIndexOperation.objects.exists()
    finally:
        get_engine().drop_all()
        reset_engines()


def test_an_import_the_index_takes_counts_every_page_as_published(tmp_path, settings):
    path = tmp_path / "library.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    configure_engine(settings, "elasticsearch", ES_URL=ES_URL, ES_INDEX_PREFIX=f"test-{uuid.uuid4().hex[:12]}")
    out = StringIO()
    try:
        call_command("import_articles", str(path), stdout=out, stderr=StringIO())
        assert "已发布 3 篇" in out.getvalue() and "未能写入检索索引" not in out.getvalue()
        hits = get_engine().search(SearchQuery(q="简易注销登记须知", types=["article"])).hits
        assert len(hits) == 3 and not PendingIndexOperation.objects.exists()
    finally:
        get_engine().drop_all()
        reset_engines()
