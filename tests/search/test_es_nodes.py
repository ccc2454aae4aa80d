"""Several Elasticsearch nodes: BANCHENG_ES_URL lists them, and a dead one is passed over.

The three-node cluster itself (one node killed, the whole cluster down) is proven by the
fault drills (`python -m portal.loadtest drills`, run by `make test`); here a real node
beside an address where nothing answers shows the client's failover on every request.
"""

from __future__ import annotations

import socket
import uuid

import pytest

from search.engines import SearchQuery, get_engine
from search.engines.elasticsearch import node_urls

from .conftest import ES_URL, configure_engine
from .test_engines import DOCS


def _dead_address() -> str:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://a:9200", ["http://a:9200"]),
        (" http://a:9200 , http://b:9200,,http://c:9200 ", ["http://a:9200", "http://b:9200", "http://c:9200"]),
        (["http://a:9200", "http://b:9200"], ["http://a:9200", "http://b:9200"]),
    ],
)
def test_node_list_from_setting(value, expected):
    assert node_urls(value) == expected


def test_an_empty_node_list_is_refused_clearly():
    with pytest.raises(ValueError, match="names no Elasticsearch node"):
        node_urls(" , ")


@pytest.mark.elasticsearch
def test_searches_and_index_updates_go_on_when_a_listed_node_is_down(db, settings):
    dead = _dead_address()
    configure_engine(
        settings, "elasticsearch", ES_URL=f"{dead},{ES_URL}", ES_INDEX_PREFIX=f"test-{uuid.uuid4().hex[:12]}"
    )
    engine = get_engine()
    assert engine.hosts == [dead, ES_URL]
    try:
        for _ in range(4):  # round robin would send some of these to the dead node first
            engine.index(DOCS)
            results = engine.search(SearchQuery(q="简易注销"))
            assert ("article", 1) in [(h.doc_type, h.doc_id) for h in results.hits]
    finally:
        engine.drop_all()
