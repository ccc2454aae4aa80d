"""Readers find every imported article the moment the import returns.

The import's batches are written into Elasticsearch without a refresh each; the import
makes them searchable once, at its end (``search.indexing.refresh_deferred``). The node's
periodic refresh is switched off here so that only that refresh can make them visible.
"""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from knowledge import importer
from search.engines import get_engine, reset_engines
from search.engines.base import SearchQuery
from tests.search.conftest import ES_URL, configure_engine

# The index is written once the import's batch has committed: a test transaction never does.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.elasticsearch]

DOCS = [
    {"id": f"fresh-{n}", "title": f"个体工商户注销须知第{n}号", "body": f"个体工商户注销须知第{n}号 可在线办理注销。"}
    for n in range(5)
]


def _external_refreshes(engine) -> int:
    stats = engine.client.indices.stats(index=engine.alias, metric="refresh")
    return int(stats["_all"]["primaries"]["refresh"]["external_total"])


def test_every_imported_article_is_found_right_after_the_import_refreshed_once(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)  # three batches from five lines
    path = tmp_path / "library.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    configure_engine(settings, "elasticsearch", ES_URL=ES_URL, ES_INDEX_PREFIX=f"test-{uuid.uuid4().hex[:12]}")
    engine = get_engine()
    try:
        engine.clear()
        engine.client.indices.put_settings(index=engine.alias, settings={"refresh_interval": "-1"})
        before = _external_refreshes(engine)
        out = StringIO()
        call_command("import_articles", str(path), stdout=out, stderr=StringIO())
        assert "已发布 5 篇" in out.getvalue(), out.getvalue()

        last = DOCS[-1]
        hits = engine.search(SearchQuery(q=last["title"], types=["article"])).hits
        assert hits and hits[0].external_id == last["id"]
        found = engine.search(SearchQuery(q="个体工商户注销须知", types=["article"], page_size=10)).hits
        assert {h.external_id for h in found} == {d["id"] for d in DOCS}
        assert _external_refreshes(engine) - before == 1  # one refresh for the three batches
    finally:
        engine.drop_all()
        reset_engines()
