"""The Elasticsearch 8 engine (elasticsearch-dsl), for scale.

Works on a stock node with no analysis plugins: the same analysed tokens the
embedded engine uses (search.analysis) are stored in ``*_tokens`` fields with
the core ``whitespace`` analyzer and a BM25 similarity tuned on the dev set;
the original text is kept in ``_source`` (not indexed) for snippets, which
the shared highlighter builds (same readable snippets as the embedded engine).
With settings.BANCHENG_SEARCH["ES_ANALYZER_PLUGIN"] = "ik" | "smartcn" the
original text fields also get a ``.plugin`` subfield analysed by that plugin,
queried with a low boost next to the tokens.

Indices are ``{prefix}-{timestamp}`` behind the alias ``{prefix}``; rebuild
loads a new index and swaps the alias atomically, then deletes the old ones.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Iterable

from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch import dsl
from elastic_transport import TransportError

from .. import analysis
from . import highlight
from .base import (
    FACET_SIZE, PUBLIC, EngineUnavailable, Hit, SearchDocument, SearchQuery, SearchResults, facet_lists, normalised_texts,
)

logger = logging.getLogger(__name__)

# Tuned on the NCP dev set (python -m search.bench relevance --engine elasticsearch).
BM25_K1 = 1.2
BM25_B = 0.75
BOOSTS = {"title": 2.0, "summary": 1.5, "body": 1.0}
MAX_TOKENS = 64
MAX_RESULT_WINDOW = 10000
PLUGIN_ANALYZERS = {"ik": ("ik_max_word", "ik_smart"), "smartcn": ("smartcn", "smartcn")}
SEP = "\u241f"  # separates id and label in facet pair fields


class IndexedDocument(dsl.Document):
    """Mapping of one search document (index name set per engine instance)."""

    doc_type = dsl.Keyword()
    doc_id = dsl.Long()
    external_id = dsl.Keyword()
    title = dsl.Text(index=False)
    summary = dsl.Text(index=False)
    body = dsl.Text(index=False)
    url = dsl.Keyword(index=False)
    title_norm = dsl.Keyword()
    title_tokens = dsl.Text(analyzer="whitespace")
    summary_tokens = dsl.Text(analyzer="whitespace")
    body_tokens = dsl.Text(analyzer="whitespace")
    department_ids = dsl.Keyword()
    department_pairs = dsl.Keyword()
    topic = dsl.Keyword()
    tags = dsl.Keyword()
    districts = dsl.Keyword()
    visibility = dsl.Keyword()
    restrict_keys = dsl.Keyword()
    published_at = dsl.Date()
    extra = dsl.Object(enabled=False)
    # Title, summary and body normalised at index time, for the learned reranker's features:
    # kept in _source only (not indexed), read back with SearchQuery(with_text=True).
    text_norm = dsl.Object(enabled=False)


def node_urls(url: str | list[str] | tuple[str, ...]) -> list[str]:
    """The cluster's node addresses: a list, or one string of comma-separated URLs."""
    parts = url.split(",") if isinstance(url, str) else list(url)
    hosts = [part.strip() for part in parts if part and part.strip()]
    if not hosts:
        raise ValueError("BANCHENG_ES_URL names no Elasticsearch node")
    return hosts


def _as_datetime(value) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _unavailable(exc: Exception) -> EngineUnavailable:
    return EngineUnavailable(f"Elasticsearch unavailable: {type(exc).__name__}")


def _facets(resp) -> dict[str, list[dict]]:
    aggs = resp.aggregations
    rows = [("type", b.key, "", b.doc_count) for b in aggs.type.buckets]
    for b in aggs.department.buckets:
        value, _, label = b.key.partition(SEP)  # "id␟name"
        rows.append(("department", value, label, b.doc_count))
    for name in ("topic", "tag", "district"):
        rows += [(name, b.key, b.key, b.doc_count) for b in getattr(aggs, name).buckets]
    return facet_lists(rows)


class ElasticsearchEngine:
    name = "elasticsearch"

    def __init__(
        self,
        url: str | list[str] = "http://127.0.0.1:9200",
        prefix: str = "bancheng",
        shards: int = 1,
        replicas: int = 0,
        analyzer_plugin: str = "",
        k1: float = BM25_K1,
        b: float = BM25_B,
        boosts: dict | None = None,
        timeout: float = 10.0,
    ):
        self.url = url
        self.hosts = node_urls(url)
        self.alias = prefix.lower()
        self.shards = shards
        self.replicas = replicas
        self.plugin = (analyzer_plugin or "").lower()
        self.k1, self.b = k1, b
        self.boosts = dict(BOOSTS, **(boosts or {}))
        # With several nodes a request that fails on one (connection refused, node
        # gone) is retried once on another and the dead node is set aside for a while,
        # so searches go on answering from the replicas while a node is down.
        self.client = Elasticsearch(
            self.hosts,
            request_timeout=timeout,
            max_retries=1 if len(self.hosts) == 1 else len(self.hosts),
            retry_on_timeout=len(self.hosts) > 1,
        )
        self._alias_ok = False

    # --- index management -------------------------------------------------------

    def _mapping(self) -> dict:
        mapping = IndexedDocument._doc_type.mapping.to_dict()
        if self.plugin in PLUGIN_ANALYZERS:
            index_an, search_an = PLUGIN_ANALYZERS[self.plugin]
            for field in ("title", "summary", "body"):
                mapping["properties"][field] = {
                    "type": "text",
                    "index": False,
                    "fields": {
                        "plugin": {"type": "text", "analyzer": index_an, "search_analyzer": search_an}
                    },
                }
        return mapping

    def _settings(self) -> dict:
        return {
            "number_of_shards": self.shards,
            "number_of_replicas": self.replicas,
            "max_result_window": MAX_RESULT_WINDOW,
            # The index default similarity (combined_fields refuses per-field ones).
            "similarity": {"default": {"type": "BM25", "k1": self.k1, "b": self.b}},
        }

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.utcnow().strftime('%Y%m%d%H%M%S%f')}"

    def _create_index(self, name: str) -> None:
        # Creating an index waits for its shards; on a busy cluster that outlasts a search's
        # timeout, and a retry on another node then finds the index already made by the first try.
        try:
            self.client.options(request_timeout=60).indices.create(
                index=name, settings=self._settings(), mappings=self._mapping()
            )
        except ApiError as exc:
            if getattr(exc, "error", "") != "resource_already_exists_exception":
                raise

    def _ensure_alias(self) -> None:
        if self._alias_ok:
            return
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                if self.client.indices.exists(index=self.alias):
                    raise RuntimeError(f"an index named {self.alias!r} exists where the alias should be")
                name = self._new_index_name()
                self._create_index(name)
                self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": self.alias}}])
        except TransportError as exc:
            raise _unavailable(exc) from exc
        self._alias_ok = True

    def _indices_behind_alias(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []

    def _all_own_indices(self) -> list[str]:
        try:
            found = self.client.indices.get(index=f"{self.alias}-*", expand_wildcards="open,closed")
        except NotFoundError:
            return []
        return [n for n in found if n.startswith(self.alias + "-") and n[len(self.alias) + 1 :].isdigit()]

    # --- writing -------------------------------------------------------------

    def _source(self, doc: SearchDocument) -> dict:
        norm = normalised_texts(doc)
        return {
            "doc_type": doc.doc_type,
            "doc_id": doc.doc_id,
            "external_id": doc.external_id or "",
            "title": doc.title or "",
            "summary": doc.summary or "",
            "body": doc.body or "",
            "url": doc.url or "",
            "title_norm": norm["title"][:200],
            "title_tokens": analysis.analyze_normalized_for_index(norm["title"]),
            "summary_tokens": analysis.analyze_normalized_for_index(norm["summary"]),
            "body_tokens": analysis.analyze_normalized_for_index(norm["body"]),
            "department_ids": [str(i) for i in doc.department_ids],
            "department_pairs": [
                f"{i}{SEP}{n}"
                for i, n in zip(doc.department_ids, list(doc.department_names) + [""] * len(doc.department_ids))
            ],
            "topic": doc.topic or None,
            "tags": list(dict.fromkeys(doc.tags)),
            "districts": list(dict.fromkeys(doc.districts)),
            "visibility": doc.visibility or PUBLIC,
            "restrict_keys": list(dict.fromkeys(doc.restrict_keys)),
            "published_at": doc.published_at.isoformat() if doc.published_at else None,
            "extra": doc.extra or {},
            "text_norm": norm,
        }

    def _actions(self, docs: Iterable[SearchDocument], index: str):
        for doc in docs:
            yield {"_op_type": "index", "_index": index, "_id": f"{doc.doc_type}:{doc.doc_id}", "_source": self._source(doc)}

    def index(self, docs: Iterable[SearchDocument], *, refresh: bool = True) -> None:
        docs = list(docs)
        if not docs:
            return
        self._ensure_alias()
        try:
            helpers.bulk(self.client, self._actions(docs, self.alias), refresh=refresh, chunk_size=500)
        except TransportError as exc:
            raise _unavailable(exc) from exc

    def delete(self, doc_type: str, ids: Iterable[int], *, refresh: bool = True) -> None:
        ids = list(ids)
        if not ids:
            return
        self._ensure_alias()
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": f"{doc_type}:{int(i)}"} for i in ids)
        try:
            helpers.bulk(self.client, actions, refresh=refresh, raise_on_error=False)
        except TransportError as exc:
            raise _unavailable(exc) from exc

    def rebuild(self, docs_iter: Iterable[SearchDocument]) -> int:
        """New index, bulk load, atomic alias swap, old indices deleted: searches never see a gap."""
        try:
            name = self._new_index_name()
            self._create_index(name)
            self.client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
            n = 0
            for ok, _info in helpers.streaming_bulk(
                self.client, self._actions(docs_iter, name), chunk_size=500, max_chunk_bytes=5 * 1024 * 1024,
                raise_on_error=True,
            ):
                n += 1
            self.client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
            self.client.indices.refresh(index=name)
            old = self._indices_behind_alias()
            if self.client.indices.exists(index=self.alias) and not old:
                self.client.indices.delete(index=self.alias)  # a stray concrete index squatting the alias name
            actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
            actions.append({"add": {"index": name, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
            self._alias_ok = True
            for o in set(self._all_own_indices()) - {name}:
                self.client.indices.delete(index=o, ignore_unavailable=True)
            return n
        except TransportError as exc:
            raise _unavailable(exc) from exc

    def clear(self) -> None:
        # A fresh empty index behind the alias (the stock integ-test node has no delete_by_query).
        self.rebuild([])

    def drop_all(self) -> None:
        """Delete every index of this prefix (tests and benchmarks)."""
        for name in self._all_own_indices():
            self.client.indices.delete(index=name, ignore_unavailable=True)
        self._alias_ok = False

    def refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias)
        except TransportError as exc:
            raise _unavailable(exc) from exc

    def store_size(self) -> int:
        stats = self.client.indices.stats(index=self.alias, metric="store")
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])

    def count(self) -> int:
        self._ensure_alias()
        return int(self.client.count(index=self.alias)["count"])

    # --- reading ---------------------------------------------------------------

    def health(self) -> bool:
        try:
            h = self.client.options(request_timeout=3).cluster.health()
            return h.get("status") in ("green", "yellow")
        except Exception:
            return False

    def _filters(self, query: SearchQuery) -> list:
        f = []
        types = [t for t in (query.types or []) if t]
        if types:
            f.append(dsl.Q("terms", doc_type=types))
        if query.department not in (None, ""):
            f.append(dsl.Q("term", department_ids=str(query.department)))
        if query.topic not in (None, ""):
            f.append(dsl.Q("term", topic=str(query.topic)))
        if query.tag not in (None, ""):
            f.append(dsl.Q("term", tags=str(query.tag)))
        if query.district not in (None, ""):
            f.append(dsl.Q("term", districts=str(query.district)))
        if not query.include_staff:
            f.append(dsl.Q("term", visibility=PUBLIC))
        elif query.restrict_keys is not None:
            keys = [str(k) for k in query.restrict_keys]
            if keys:
                f.append(
                    dsl.Q(
                        "bool",
                        should=[dsl.Q("term", visibility=PUBLIC), dsl.Q("terms", restrict_keys=keys)],
                        minimum_should_match=1,
                    )
                )
            else:
                f.append(dsl.Q("term", visibility=PUBLIC))
        return f

    def _text_query(self, tokens: list[str], raw: str):
        text = " ".join(tokens)
        # combined_fields = BM25F over the token fields (one document length, weighted term
        # frequencies), the same model as FTS5's bm25(); measured better than summing per-field scores.
        should = [
            dsl.Q(
                "combined_fields",
                query=text,
                fields=[f"{field}_tokens^{boost:g}" for field, boost in self.boosts.items()],
                operator="or",
            )
        ]
        if self.plugin in PLUGIN_ANALYZERS and raw.strip():
            should += [
                dsl.Q("match", **{f"{field}.plugin": {"query": raw[: analysis.MAX_QUERY_CHARS], "boost": 0.3}})
                for field in ("title", "summary", "body")
            ]
        return dsl.Q("bool", should=should, minimum_should_match=1)

    def search(self, query: SearchQuery) -> SearchResults:
        page = max(1, int(query.page or 1))
        size = min(max(1, int(query.page_size or 10)), 100)
        if (page - 1) * size + size > MAX_RESULT_WINDOW:
            page = max(1, MAX_RESULT_WINDOW // size)
        tokens = analysis.analyze_query(query.q or "")[:MAX_TOKENS]
        filters = self._filters(query)
        has_filter = bool(query.types or query.department or query.topic or query.tag or query.district)
        if not tokens and not has_filter:
            return SearchResults(0, [], {}, page, size, query)
        self._ensure_alias()
        s = dsl.Search(using=self.client, index=self.alias)
        if tokens:
            s = s.query(dsl.Q("bool", must=[self._text_query(tokens, query.q or "")], filter=filters))
            # Equal scores (the same notice published twice) in document order, as the embedded
            # engine ranks them: Lucene would break the tie by its internal order, which depends on
            # the index's history (import batches, segment merges, a rebuild in tree order), so the
            # same library ranked differently after an import than in a fresh index.
            s = s.sort({"_score": {"order": "desc"}}, {"doc_id": {"order": "asc"}}, {"doc_type": {"order": "asc"}})
        else:
            s = s.query(dsl.Q("bool", filter=filters)).sort("-published_at", "-doc_id")
        s = s.extra(track_total_hits=True, from_=(page - 1) * size, size=size)
        fields = ["doc_type", "doc_id", "external_id", "title", "summary", "body", "url", "published_at"]
        s = s.source(fields + ["text_norm"] if query.with_text else fields)
        if query.facets:
            s.aggs.bucket("type", "terms", field="doc_type", size=10)
            s.aggs.bucket("department", "terms", field="department_pairs", size=FACET_SIZE)
            s.aggs.bucket("topic", "terms", field="topic", size=FACET_SIZE)
            s.aggs.bucket("tag", "terms", field="tags", size=FACET_SIZE)
            s.aggs.bucket("district", "terms", field="districts", size=FACET_SIZE)
        try:
            resp = s.execute()
        except ApiError as exc:
            if getattr(exc, "status_code", None) == 400:
                logger.warning("elasticsearch rejected a query (%s)", type(exc).__name__)
                return SearchResults(0, [], {}, page, size, query)
            raise _unavailable(exc) from exc
        except TransportError as exc:
            raise _unavailable(exc) from exc
        hits = []
        for h in resp.hits:
            src = h.to_dict()
            hit = Hit(
                doc_type=src.get("doc_type", ""),
                doc_id=int(src.get("doc_id", 0)),
                external_id=src.get("external_id", "") or "",
                title=src.get("title", ""),
                url=src.get("url", ""),
                snippet="" if query.with_text else highlight.snippet(
                    query.q or "" if tokens else "", src.get("summary", ""), src.get("body", "")
                ),
                score=float(h.meta.score or 0.0),
            )
            if query.with_text:
                hit.summary, hit.body = src.get("summary", "") or "", src.get("body", "") or ""
                hit.published_at = _as_datetime(src.get("published_at"))
                norm = src.get("text_norm")  # absent in an index built before it was stored
                if isinstance(norm, dict):
                    hit.title_norm = norm.get("title") or ""
                    hit.summary_norm = norm.get("summary") or ""
                    hit.body_norm = norm.get("body") or ""
            hits.append(hit)
        return SearchResults(
            count=int(resp.hits.total.value), hits=hits, facets=_facets(resp) if query.facets else {}, page=page,
            page_size=size, query=query,
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        norm = analysis.normalize(prefix).strip()[:50]
        if not norm:
            return []
        limit = min(max(1, int(limit)), 50)
        self._ensure_alias()
        tokens = analysis.tokens(norm)
        should = [dsl.Q("prefix", title_norm={"value": norm, "boost": 3.0})]
        if tokens:
            should.append(dsl.Q("match_phrase", title_tokens={"query": " ".join(tokens)}))
        s = (
            dsl.Search(using=self.client, index=self.alias)
            .query(dsl.Q("bool", should=should, minimum_should_match=1, filter=[dsl.Q("term", visibility=PUBLIC)]))
            .source(["title"])
            .extra(size=limit * 2)
        )
        try:
            resp = s.execute()
        except TransportError as exc:
            raise _unavailable(exc) from exc
        out = []
        for h in resp.hits:
            t = h.title
            if norm in analysis.normalize(t) and t not in out:
                out.append(t)
        return out[:limit]
