"""Search fixtures: every search test runs on BOTH engines.

``search_engine`` (params "embedded", "elasticsearch") makes that engine the
configured one (``search.engines.get_engine()`` returns it) with a clean index:
the embedded tables are emptied inside the test's transaction, Elasticsearch
gets a unique index prefix that is deleted afterwards. An unreachable
Elasticsearch FAILS the test (start it with `make es` / scripts/es.sh start).
"""

from __future__ import annotations

import os
import uuid

import pytest

from search import analysis
from search.engines import get_engine, reset_engines

ES_URL = os.environ.get("BANCHENG_ES_URL", "http://127.0.0.1:9200")


def configure_engine(settings, name: str, **overrides) -> dict:
    cfg = dict(settings.BANCHENG_SEARCH)
    cfg["ENGINE"] = name
    cfg.setdefault("ES_URL", ES_URL)
    cfg.update(overrides)
    settings.BANCHENG_SEARCH = cfg
    reset_engines()
    return cfg


@pytest.fixture(params=["embedded", "elasticsearch"])
def search_engine(request, db, settings):
    name = request.param
    if name == "elasticsearch":
        request.applymarker(pytest.mark.elasticsearch)
        configure_engine(settings, name, ES_INDEX_PREFIX=f"test-{uuid.uuid4().hex[:12]}")
    else:
        configure_engine(settings, name)
    engine = get_engine()
    if not engine.health():
        pytest.fail(
            f"Elasticsearch is not reachable at {settings.BANCHENG_SEARCH['ES_URL']}: "
            "start it with `make es` (scripts/es.sh start); search tests never skip it."
        )
    engine.clear()
    analysis.invalidate_vocabulary()
    yield engine
    if name == "elasticsearch":
        try:
            engine.drop_all()
        except Exception:  # the node may have been pointed elsewhere by the test
            pass
    reset_engines()
    analysis.invalidate_vocabulary()
