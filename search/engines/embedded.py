"""The embedded engine: full-text search inside the default database, no server.

SQLite: an FTS5 table ``search_fts(title, summary, body)`` holding the
*analysed* tokens (space-separated, tokenised by unicode61 on whitespace),
``rowid`` = ``search_entry.id``; ranking is ``bm25(search_fts, wt, ws, wb)``.
PostgreSQL: a ``tsvector`` column on ``search_entry`` built with
``setweight(to_tsvector('simple', tokens), 'A'|'B'|'C')`` and a GIN index;
ranking is ``ts_rank`` with the same field order of weights.

User text never reaches the FTS/tsquery syntax: it is analysed into tokens
(Han bigrams and [a-z0-9] words only) and every token is quoted, then OR-ed
and left to BM25 to rank (measured: AND loses recall on questions).
Original text lives in ``search_entry`` for snippets, facet values in
``search_facet`` for aggregate counts (PostgreSQL, filters) and, on SQLite,
once more per entry in ``search_entry_facets`` so the facets of a query are
counted from one short row per match.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import itertools
import json
import logging
import sqlite3
import threading
import time
from datetime import datetime
from typing import Iterable

from .. import analysis
from . import highlight
from .base import FACET_NAMES, PUBLIC, Hit, SearchDocument, SearchQuery, SearchResults, facet_lists, normalised_texts

logger = logging.getLogger(__name__)

# Field weights title > summary > body (bm25() column weights / ts_rank A,B,C).
WEIGHTS = {"title": 2.0, "summary": 1.5, "body": 1.0}
MAX_TOKENS = 64  # query tokens kept (a 10,000-character query must not build a huge statement)
RESTRICT = "_restrict"
MAX_PAGE = 1000
# Common-terms cutoff (SQLite): query tokens found in more than this share of the
# documents are dropped when rarer ones remain. They add almost nothing to BM25
# (IDF ~ 0) but dominate the cost of an OR query. Measured on the dev set:
# neutral for ranking (0.5: ±0.000, 0.35: +0.003), and it bounds latency at 100k docs.
COMMON_TERM_SHARE = 0.4
MIN_TOKENS_KEPT = 3
# Postings budget: bm25() / ts_rank() is computed for every match of the OR query
# (~0.8 µs a match), so the commonest remaining tokens are dropped once the kept
# ones cover this many postings (document frequencies summed, rarest first;
# MIN_TOKENS_KEPT always kept). Measured: a no-op on the 599-document dev set
# (nDCG unchanged); at 100k synthetic documents p95 65 → 40 ms, single client.
RANK_POSTINGS_BUDGET = 20000
# PostgreSQL: how long the lexeme statistics read from pg_stats are reused.
PG_STATS_SECONDS = 60
# Facets are counted over the best FACET_SAMPLE matches (exact below that many
# results): counting facet rows of every match of a very common query costs
# ~5 µs a match, which alone would break the latency target at 100k documents.
FACET_SAMPLE = 1000
# Equal scores (the same notice published twice) in document order, on every engine: the entry
# row order depends on how the index was written (a rebuild writes pages in tree order).
TIE_ORDER = "doc_id, doc_type"

_RAW_DDL = [
    """CREATE TABLE IF NOT EXISTS search_entry (
        id INTEGER PRIMARY KEY AUTOINCREMENT, doc_type TEXT NOT NULL, doc_id BIGINT NOT NULL,
        external_id TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '', title_norm TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '', summary_norm TEXT NULL, body_norm TEXT NULL,
        url TEXT NOT NULL DEFAULT '',
        visibility TEXT NOT NULL DEFAULT 'public', topic TEXT NOT NULL DEFAULT '', published_at TEXT NULL,
        extra TEXT NOT NULL DEFAULT '{}', UNIQUE (doc_type, doc_id))""",
    """CREATE TABLE IF NOT EXISTS search_facet (
        id INTEGER PRIMARY KEY AUTOINCREMENT, entry_id INTEGER NOT NULL REFERENCES search_entry(id) ON DELETE CASCADE,
        name TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX IF NOT EXISTS search_facet_name_value ON search_facet(name, value)",
    "CREATE INDEX IF NOT EXISTS search_facet_entry_id ON search_facet(entry_id)",
    """CREATE TABLE IF NOT EXISTS search_entry_facets (
        entry_id INTEGER PRIMARY KEY REFERENCES search_entry(id) ON DELETE CASCADE, keys TEXT NOT NULL DEFAULT '')""",
]
# search_entry_facets.keys: items "name RS value RS label" joined by US (ASCII
# record/unit separators never occur in slugs or labels), "type" first.
_RS, _US = "\x1e", "\x1f"
FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, summary, body, meta, tokenize = 'unicode61 remove_diacritics 0')"
)
VOCAB_DDL = "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab USING fts5vocab('search_fts', 'row')"
PG_DDL = [
    "ALTER TABLE search_entry ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "CREATE INDEX IF NOT EXISTS search_entry_vector_gin ON search_entry USING GIN (search_vector)",
]


def ensure_schema_for(connection) -> None:
    """Create the FTS5 table / tsvector column on a Django connection (migration and first use)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(FTS_DDL)
            cur.execute(VOCAB_DDL)
        elif connection.vendor == "postgresql":
            for sql in PG_DDL:
                cur.execute(sql)


class _DjangoDB:
    """The default Django database connection (SQLite or PostgreSQL)."""

    def __init__(self, alias: str = "default"):
        self.alias = alias

    @property
    def connection(self):
        from django.db import connections

        return connections[self.alias]

    @property
    def vendor(self) -> str:
        return self.connection.vendor

    def cursor(self):
        return self.connection.cursor()

    def atomic(self):
        from django.db import transaction

        return transaction.atomic(using=self.alias)

    def ident(self) -> str:
        return f"django:{self.alias}:{self.connection.settings_dict.get('NAME')}"


class _RawSQLiteDB:
    """A standalone SQLite file (benchmarks): never touches the project database."""

    vendor = "sqlite"

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def cursor(self):
        cur = _QmarkCursor(self._conn().cursor())
        try:
            yield cur
        finally:
            cur.close()

    @contextlib.contextmanager
    def atomic(self):
        conn = self._conn()
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def ident(self) -> str:
        return f"raw:{self.path}"


class _QmarkCursor:
    def __init__(self, cur):
        self._cur = cur

    def execute(self, sql, params=()):
        return self._cur.execute(sql.replace("%s", "?"), params)

    def executemany(self, sql, seq):
        return self._cur.executemany(sql.replace("%s", "?"), seq)

    def fetchall(self):
        return self._cur.fetchall()

    def fetchone(self):
        return self._cur.fetchone()

    @property
    def lastrowid(self):
        return self._cur.lastrowid

    def close(self):
        self._cur.close()


def _as_datetime(value) -> datetime | None:
    """A published_at column as a datetime (SQLite hands back ISO text)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _h(value) -> str:
    # Facet/visibility values become opaque [0-9a-f] tokens: any slug, tag or key is safe in FTS.
    return hashlib.sha1(str(value).encode("utf-8")).hexdigest()[:16]


# Marks every entry that is not public. Visibility is enforced with "NOT meta:np…":
# FTS5 then walks the short list of non-public entries instead of intersecting
# the query with a list of nearly every document (measured: 11.2 → 7.9 ms a
# query at 100k documents).
NON_PUBLIC = f"np{_h('non-public')}"


def meta_tokens(doc: SearchDocument) -> str:
    """Tokens of the FTS ``meta`` column: filters are evaluated inside FTS5, no join per match."""
    toks = [f"type{_h(doc.doc_type)}"]
    if (doc.visibility or PUBLIC) != PUBLIC:
        toks.append(NON_PUBLIC)
    toks += [f"rk{_h(k)}" for k in doc.restrict_keys]
    toks += [f"dep{_h(i)}" for i in doc.department_ids]
    if doc.topic:
        toks.append(f"top{_h(doc.topic)}")
    toks += [f"tag{_h(t)}" for t in doc.tags]
    toks += [f"dis{_h(d)}" for d in doc.districts]
    return " ".join(toks)


def _meta_or(prefix: str, values) -> str:
    return "meta : (" + " OR ".join(f'"{prefix}{_h(v)}"' for v in values) + ")"


def facet_keys(doc_type: str, rows: list[tuple[str, str, str]]) -> str:
    """The ``search_entry_facets.keys`` string of an entry (visibility keys are not facets)."""
    items = [("type", doc_type, "")] + [row for row in rows if row[0] != RESTRICT]
    return _US.join(f"{n}{_RS}{v}{_RS}{l}" for n, v, l in items)


def _facet_rows(doc: SearchDocument) -> list[tuple[str, str, str]]:
    rows = []
    for dep_id, dep_name in zip(doc.department_ids, list(doc.department_names) + [""] * len(doc.department_ids)):
        rows.append(("department", str(dep_id), dep_name or str(dep_id)))
    if doc.topic:
        rows.append(("topic", doc.topic, doc.extra.get("topic_label", doc.topic) if doc.extra else doc.topic))
    for tag in dict.fromkeys(doc.tags):
        rows.append(("tag", str(tag)[:100], str(tag)))
    for code in dict.fromkeys(doc.districts):
        label = (doc.extra or {}).get("district_labels", {}).get(code, code)
        rows.append(("district", str(code)[:100], label))
    for key in dict.fromkeys(doc.restrict_keys):
        rows.append((RESTRICT, str(key)[:100], ""))
    return [(n, v, (l or "")[:200]) for n, v, l in rows]


def backfill_facet_keys(cur) -> None:
    """Write the ``search_entry_facets`` rows that entries lack (an index written before they existed)."""
    cur.execute(
        "SELECT e.id, e.doc_type, f.name, f.value, f.label FROM search_entry e"
        " LEFT JOIN search_facet f ON f.entry_id = e.id"
        " WHERE e.id NOT IN (SELECT entry_id FROM search_entry_facets) ORDER BY e.id, f.id"
    )
    missing = [
        (entry_id, facet_keys(doc_type, [(n, v, l) for _e, _t, n, v, l in rows if n is not None]))
        for (entry_id, doc_type), rows in itertools.groupby(cur.fetchall(), key=lambda row: row[:2])
    ]
    if missing:
        cur.executemany("INSERT INTO search_entry_facets (entry_id, keys) VALUES (%s, %s)", missing)


def backfill_non_public_token(cur) -> None:
    """Add NON_PUBLIC to the meta column of non-public entries indexed before it existed."""
    cur.execute(
        f"UPDATE search_fts SET meta = meta || ' {NON_PUBLIC}' WHERE rowid IN"
        f" (SELECT id FROM search_entry WHERE visibility != '{PUBLIC}') AND meta NOT LIKE '%{NON_PUBLIC}%'"
    )


def meta_filter(query: SearchQuery) -> tuple[str, str]:
    """The filters of ``query`` as FTS5 expressions on the meta column: (must match, must not match)."""
    parts = []
    types = [t for t in (query.types or []) if t]
    if types:
        parts.append(_meta_or("type", types))
    for prefix, value in (("dep", query.department), ("top", query.topic), ("tag", query.tag), ("dis", query.district)):
        if value not in (None, ""):
            parts.append(_meta_or(prefix, [str(value)]))
    exclude = ""
    if not query.include_staff:
        exclude = f'meta : "{NON_PUBLIC}"'
    elif query.restrict_keys is not None:
        keys = [str(k) for k in query.restrict_keys]
        # Hidden: non-public and holding none of the caller's keys.
        exclude = f'(meta : "{NON_PUBLIC}" NOT {_meta_or("rk", keys)})' if keys else f'meta : "{NON_PUBLIC}"'
    return " AND ".join(parts), exclude


def _within_budget(tokens: list[str], df: dict[str, int]) -> list[str]:
    """``tokens`` (order kept) minus the commonest ones past RANK_POSTINGS_BUDGET postings.

    Tokens absent from the index cost nothing and stay (a query must never become empty here).
    """
    present = sorted((t for t in tokens if df.get(t, 0) > 0), key=lambda t: df[t])
    dropped: set[str] = set()
    kept = total = 0
    for t in present:
        if kept >= MIN_TOKENS_KEPT and total + df[t] > RANK_POSTINGS_BUDGET:
            dropped.add(t)
            continue
        kept += 1
        total += df[t]
    return [t for t in tokens if t not in dropped]


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _ts_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, sqlite_path: str | None = None, weights: dict | None = None):
        self.db = _RawSQLiteDB(sqlite_path) if sqlite_path else _DjangoDB()
        self.weights = dict(WEIGHTS, **(weights or {}))
        self._schema_ok: set[str] = set()
        self._n_cache: tuple[int, float] | None = None
        self._pg_stats_cache: tuple[dict | None, float, float] | None = None

    # --- schema -------------------------------------------------------------

    def _ensure(self) -> None:
        key = self.db.ident()
        if key in self._schema_ok:
            return
        with self.db.cursor() as cur:
            if isinstance(self.db, _RawSQLiteDB):
                for sql in _RAW_DDL:
                    cur.execute(sql)
            if self.db.vendor == "sqlite":
                cur.execute(FTS_DDL)
                cur.execute(VOCAB_DDL)
            elif self.db.vendor == "postgresql":
                for sql in PG_DDL:
                    cur.execute(sql)
        self._schema_ok.add(key)

    # --- writing ------------------------------------------------------------

    # Its writes are searchable once their transaction commits: ``refresh`` has nothing to do.
    def index(self, docs: Iterable[SearchDocument], *, refresh: bool = True) -> None:
        self._ensure()
        docs = list(docs)
        if not docs:
            return
        with self.db.atomic(), self.db.cursor() as cur:
            for doc in docs:
                self._write(cur, doc)

    def _write(self, cur, doc: SearchDocument) -> None:
        norm = normalised_texts(doc)
        t_title, t_summary, t_body = (
            analysis.analyze_normalized_for_index(norm[f]) for f in ("title", "summary", "body"))
        published = doc.published_at.isoformat() if isinstance(doc.published_at, datetime) else None
        values = [
            doc.external_id or "",
            doc.title or "",
            norm["title"],
            doc.summary or "",
            doc.body or "",
            norm["summary"],
            norm["body"],
            doc.url or "",
            doc.visibility or PUBLIC,
            doc.topic or "",
            published,
            json.dumps(doc.extra or {}, ensure_ascii=False, default=str),
        ]
        cur.execute("SELECT id FROM search_entry WHERE doc_type = %s AND doc_id = %s", [doc.doc_type, doc.doc_id])
        row = cur.fetchone()
        if row:
            entry_id = row[0]
            cur.execute(
                "UPDATE search_entry SET external_id=%s, title=%s, title_norm=%s, summary=%s, body=%s,"
                " summary_norm=%s, body_norm=%s, url=%s,"
                " visibility=%s, topic=%s, published_at=%s, extra=%s WHERE id=%s",
                values + [entry_id],
            )
            cur.execute("DELETE FROM search_facet WHERE entry_id = %s", [entry_id])
        else:
            cols = (
                "doc_type, doc_id, external_id, title, title_norm, summary, body, summary_norm, body_norm, url,"
                " visibility, topic, published_at, extra"
            )
            if self.db.vendor == "postgresql":
                cur.execute(
                    f"INSERT INTO search_entry ({cols}) VALUES ({', '.join(['%s'] * 14)}) RETURNING id",
                    [doc.doc_type, doc.doc_id] + values,
                )
                entry_id = cur.fetchone()[0]
            else:
                cur.execute(
                    f"INSERT INTO search_entry ({cols}) VALUES ({', '.join(['%s'] * 14)})",
                    [doc.doc_type, doc.doc_id] + values,
                )
                entry_id = cur.lastrowid
        facets = _facet_rows(doc)
        if facets:
            cur.executemany(
                "INSERT INTO search_facet (entry_id, name, value, label) VALUES (%s, %s, %s, %s)",
                [(entry_id, n, v, l) for n, v, l in facets],
            )
        if self.db.vendor == "postgresql":
            cur.execute(
                "UPDATE search_entry SET search_vector ="
                " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
                " || setweight(to_tsvector('simple', %s), 'C') WHERE id = %s",
                [t_title, t_summary, t_body, entry_id],
            )
        else:
            cur.execute(
                "INSERT OR REPLACE INTO search_entry_facets (entry_id, keys) VALUES (%s, %s)",
                [entry_id, facet_keys(doc.doc_type, facets)],
            )
            # rowid may be reused after a table flush: replace whatever is there.
            cur.execute("DELETE FROM search_fts WHERE rowid = %s", [entry_id])
            cur.execute(
                "INSERT INTO search_fts (rowid, title, summary, body, meta) VALUES (%s, %s, %s, %s, %s)",
                [entry_id, t_title, t_summary, t_body, meta_tokens(doc)],
            )

    def refresh(self) -> None:
        pass

    def delete(self, doc_type: str, ids: Iterable[int], *, refresh: bool = True) -> None:
        self._ensure()
        ids = [int(i) for i in ids]
        if not ids:
            return
        with self.db.atomic(), self.db.cursor() as cur:
            for doc_id in ids:
                cur.execute("SELECT id FROM search_entry WHERE doc_type = %s AND doc_id = %s", [doc_type, doc_id])
                row = cur.fetchone()
                if not row:
                    continue
                self._delete_entry(cur, row[0])

    def _delete_entry(self, cur, entry_id: int) -> None:
        cur.execute("DELETE FROM search_facet WHERE entry_id = %s", [entry_id])
        if self.db.vendor != "postgresql":
            cur.execute("DELETE FROM search_entry_facets WHERE entry_id = %s", [entry_id])
            cur.execute("DELETE FROM search_fts WHERE rowid = %s", [entry_id])
        cur.execute("DELETE FROM search_entry WHERE id = %s", [entry_id])

    def clear(self) -> None:
        self._ensure()
        with self.db.atomic(), self.db.cursor() as cur:
            cur.execute("DELETE FROM search_facet")
            if self.db.vendor != "postgresql":
                cur.execute("DELETE FROM search_entry_facets")
                cur.execute("DELETE FROM search_fts")
            cur.execute("DELETE FROM search_entry")

    def rebuild(self, docs_iter: Iterable[SearchDocument]) -> int:
        """One transaction: readers see the old index until the new one commits (WAL / MVCC)."""
        self._ensure()
        n = 0
        with self.db.atomic():
            with self.db.cursor() as cur:
                cur.execute("DELETE FROM search_facet")
                if self.db.vendor != "postgresql":
                    cur.execute("DELETE FROM search_entry_facets")
                    cur.execute("DELETE FROM search_fts")
                cur.execute("DELETE FROM search_entry")
                for doc in docs_iter:
                    self._write(cur, doc)
                    n += 1
                if self.db.vendor == "sqlite":
                    cur.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        if self.db.vendor == "postgresql":
            # Fresh statistics now, not whenever autovacuum gets to it: planned on the empty
            # tables' estimates, searches just after a rebuild took seconds (p95 2.1 s at 10k).
            with self.db.cursor() as cur:
                cur.execute("ANALYZE search_entry")
                cur.execute("ANALYZE search_facet")
        return n

    def count(self) -> int:
        self._ensure()
        with self.db.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM search_entry")
            return cur.fetchone()[0]

    # --- reading ------------------------------------------------------------

    def health(self) -> bool:
        try:
            self._ensure()
            with self.db.cursor() as cur:
                cur.execute("SELECT 1 FROM search_entry LIMIT 1")
                cur.fetchall()
            return True
        except Exception:
            logger.exception("embedded search health check failed")
            return False

    def _filters(self, query: SearchQuery) -> tuple[list[str], list]:
        where, params = [], []
        types = [t for t in (query.types or []) if t]
        if types:
            where.append(f"e.doc_type IN ({', '.join(['%s'] * len(types))})")
            params.extend(types)
        for name, value in (
            ("department", query.department),
            ("topic", query.topic),
            ("tag", query.tag),
            ("district", query.district),
        ):
            if value not in (None, ""):
                where.append(
                    "EXISTS (SELECT 1 FROM search_facet ff WHERE ff.entry_id = e.id AND ff.name = %s AND ff.value = %s)"
                )
                params.extend([name, str(value)])
        if not query.include_staff:
            where.append("e.visibility = %s")
            params.append(PUBLIC)
        elif query.restrict_keys is not None:
            keys = [str(k) for k in query.restrict_keys]
            if keys:
                where.append(
                    "(e.visibility = %s OR EXISTS (SELECT 1 FROM search_facet fr WHERE fr.entry_id = e.id"
                    f" AND fr.name = %s AND fr.value IN ({', '.join(['%s'] * len(keys))})))"
                )
                params.extend([PUBLIC, RESTRICT] + keys)
            else:
                where.append("e.visibility = %s")
                params.append(PUBLIC)
        return where, params

    def search(self, query: SearchQuery) -> SearchResults:
        self._ensure()
        page = min(max(1, int(query.page or 1)), MAX_PAGE)
        size = min(max(1, int(query.page_size or 10)), 100)
        tokens = analysis.analyze_query(query.q or "")[:MAX_TOKENS]
        where, params = self._filters(query)
        has_filter = bool(where and (query.types or query.department or query.topic or query.tag or query.district))
        if not tokens and not has_filter:
            return SearchResults(0, [], {}, page, size, query)
        if tokens:
            tokens = self._prune_common(tokens)
        if self.db.vendor == "postgresql":
            return self._search_postgresql(query, tokens, where, params, page, size)
        return self._search_sqlite(query, tokens, page, size)

    def _search_postgresql(self, query: SearchQuery, tokens: list[str], where: list[str], params: list,
                           page: int, size: int) -> SearchResults:
        """tsvector @@ tsquery; count, page and facets from one matching pass.

        Matching a common OR query is most of the cost (a question's bigrams match half
        of a 10,000-document index): the matches are computed once into a CTE instead
        of once for the count, the page and each facet query.
        """
        if tokens:
            w = self.weights
            # ts_rank weights are {D, C, B, A}; normalised to title = 1.
            weights = "{0, %f, %f, 1.0}" % (w["body"] / w["title"], w["summary"] / w["title"])
            matches = (
                f"SELECT e.id, e.doc_type, e.doc_id, ts_rank('{weights}'::float4[], e.search_vector, q, 1)::float8 AS score,"
                " e.published_at FROM search_entry e, to_tsquery('simple', %s) q WHERE e.search_vector @@ q"
                + "".join(f" AND {c}" for c in where)
            )
            match_params = [" | ".join(_ts_quote(t) for t in tokens)] + params
            order = f"score DESC, {TIE_ORDER}"
        else:
            matches = (
                "SELECT e.id, e.doc_type, e.doc_id, 0.0::float8 AS score, e.published_at FROM search_entry e WHERE "
                + " AND ".join(where)
            )
            match_params = params
            order = "published_at DESC, id DESC"
        parts = [
            f"SELECT 'page', (row_number() OVER (ORDER BY {order}))::text, id::text, NULL, score"
            f" FROM (SELECT id, doc_type, doc_id, score, published_at FROM m ORDER BY {order} LIMIT %s OFFSET %s) AS pg",
            "SELECT 'count', NULL, NULL, NULL, COUNT(*)::float8 FROM m",
        ]
        if query.facets:
            # As on SQLite, facets count the best FACET_SAMPLE matches: joining every match of
            # a common query to its facet rows was most of the time left at 100k documents.
            parts += [
                "SELECT 'type', doc_type, NULL, NULL, COUNT(*)::float8 FROM top GROUP BY doc_type",
                "SELECT 'facet', f.name, f.value, MAX(f.label), COUNT(*)::float8 FROM top"
                " JOIN search_facet f ON f.entry_id = top.id"
                f" WHERE f.name IN ({', '.join(repr(n) for n in FACET_NAMES)}) GROUP BY f.name, f.value",
            ]
        page_rows, count, facet_rows = [], 0, []
        with self.db.cursor() as cur:
            cur.execute(
                f"WITH m AS MATERIALIZED ({matches}),"
                f" top AS (SELECT id, doc_type FROM m ORDER BY {order} LIMIT {FACET_SAMPLE}) "
                + " UNION ALL ".join(parts),
                match_params + [size, (page - 1) * size],
            )
            for kind, a, b, c, n in cur.fetchall():
                if kind == "page":
                    page_rows.append((int(a), int(b), float(n or 0.0)))
                elif kind == "count":
                    count = int(n)
                elif kind == "type":
                    facet_rows.append(("type", a, "", int(n)))
                else:
                    facet_rows.append((a, b, c, int(n)))
            page_rows.sort()
            hits = self._hits(cur, query, tokens, [(entry_id, score) for _pos, entry_id, score in page_rows])
        if not (query.facets and count):
            return SearchResults(count=count, hits=hits, facets={}, page=page, page_size=size, query=query)
        return SearchResults(
            count=count, hits=hits, facets=facet_lists(facet_rows), page=page, page_size=size, query=query,
            facets_sampled=FACET_SAMPLE if count > FACET_SAMPLE else 0,
        )

    def _hits(self, cur, query: SearchQuery, tokens: list[str], ranked: list[tuple[int, float]]) -> list[Hit]:
        """The page's hits, in ``ranked`` order ((entry id, score) pairs), with snippets."""
        if not ranked:
            return []
        ids = [entry_id for entry_id, _score in ranked]
        norms = ", title_norm, summary_norm, body_norm" if query.with_text else ", NULL, NULL, NULL"
        cur.execute(
            f"SELECT id, doc_type, doc_id, external_id, title, url, summary, body, published_at{norms} FROM search_entry"
            f" WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        entries = {entry[0]: entry for entry in cur.fetchall()}
        hits = []
        for entry_id, score in ranked:
            entry = entries.get(entry_id)
            if entry is None:  # deleted since it was ranked, or an FTS row left by a table flush
                continue
            _id, doc_type, doc_id, ext, title, url, summary, body, published_at, t_norm, s_norm, b_norm = entry
            hit = Hit(
                doc_type=doc_type,
                doc_id=int(doc_id),
                external_id=ext or "",
                title=title,
                url=url,
                snippet="" if query.with_text else highlight.snippet(query.q or "" if tokens else "", summary, body),
                score=score,
            )
            if query.with_text:
                hit.summary, hit.body, hit.published_at = summary or "", body or "", _as_datetime(published_at)
                # NULL: written before the normalised text was stored (features normalise it then).
                if s_norm is not None and b_norm is not None:
                    hit.title_norm, hit.summary_norm, hit.body_norm = t_norm or "", s_norm, b_norm
            hits.append(hit)
        return hits

    def _doc_count(self, cur) -> int:
        now = time.monotonic()
        cached = self._n_cache
        if cached and now - cached[1] < 10:
            return cached[0]
        cur.execute("SELECT COUNT(*) FROM search_entry")
        n = cur.fetchone()[0]
        self._n_cache = (n, now)
        return n

    def _pg_document_frequencies(self, cur, tokens: list[str], n: int) -> dict[str, int] | None:
        """Estimated document frequencies from PostgreSQL's own statistics of the tsvector column.

        ANALYZE keeps the ~1,000 most common lexemes with their share of rows; a token not
        among them is rarer than the least common listed, which is what it is counted as.
        """
        now = time.monotonic()
        cached = self._pg_stats_cache
        if not cached or now - cached[2] > PG_STATS_SECONDS:
            cur.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
                " WHERE schemaname = current_schema() AND tablename = 'search_entry' AND attname = 'search_vector'"
            )
            row = cur.fetchone()
            if row and row[0] and row[1]:
                elems, freqs = row
                cached = (dict(zip(elems, freqs)), freqs[-3], now)  # the last three: min, max, null share
            else:
                cached = (None, 0.0, now)
            self._pg_stats_cache = cached
        shares, floor, _at = cached
        if shares is None:
            return None
        return {t: round(shares.get(t, floor) * n) for t in tokens}

    def _prune_common(self, tokens: list[str]) -> list[str]:
        if len(tokens) <= MIN_TOKENS_KEPT:
            return tokens
        with self.db.cursor() as cur:
            n = self._doc_count(cur)
            if n < 50:  # tiny indexes: statistics mean nothing, keep everything
                return tokens
            if self.db.vendor == "postgresql":
                df = self._pg_document_frequencies(cur, tokens, n)
                if df is None:  # no statistics yet: rank every token
                    return tokens
            else:
                cur.execute(
                    " UNION ALL ".join(["SELECT term, doc FROM search_fts_vocab WHERE term = %s"] * len(tokens)), tokens
                )
                df = {t: d for t, d in cur.fetchall()}
        kept = [t for t in tokens if df.get(t, 0) <= COMMON_TERM_SHARE * n]
        present = [t for t in kept if df.get(t, 0) > 0]
        if len(present) < MIN_TOKENS_KEPT and len(present) < len([t for t in tokens if df.get(t, 0) > 0]):
            # Too few rare tokens: add back the least common of the rest.
            rest = sorted((t for t in tokens if t not in kept and df.get(t, 0) > 0), key=lambda t: df[t])
            kept = kept + rest[: MIN_TOKENS_KEPT - len(present)]
        return _within_budget(kept, df)

    def _search_sqlite(self, query: SearchQuery, tokens: list[str], page: int, size: int, _retry: bool = False) -> SearchResults:
        """Filters run inside FTS5 (meta column); count, top page and facet sample from one ranking pass."""
        w = self.weights
        must, must_not = meta_filter(query)
        parts = ["(" + " OR ".join(_fts_quote(t) for t in tokens) + ")"] if tokens else []
        match = " AND ".join(parts + ([must] if must else []))
        if must_not:
            match = f"({match}) NOT {must_not}"
        rank = f"bm25(search_fts, {w['title']:.3f}, {w['summary']:.3f}, {w['body']:.3f}, 0.0)"
        offset = (page - 1) * size
        with self.db.cursor() as cur:
            if tokens:
                sql = (
                    f"SELECT rowid AS id, {rank} AS r, NULL AS p FROM search_fts WHERE search_fts MATCH %s"
                    " ORDER BY r, rowid LIMIT %s OFFSET %s"
                )
                order = "r, id"
            else:
                sql = (
                    "SELECT e.id AS id, 0.0 AS r, e.published_at AS p FROM search_fts"
                    " JOIN search_entry e ON e.id = search_fts.rowid"
                    " WHERE search_fts MATCH %s ORDER BY e.published_at DESC, e.id DESC LIMIT %s OFFSET %s"
                )
                order = "p DESC, id DESC"
            # One ranking pass, the best FACET_SAMPLE matches, serves the page (when it lies
            # inside them), the count (when they are every match) and the facets. The facet
            # values come back as one concatenated string: a row per match would hand the
            # interpreter lock back and forth a thousand times a search.
            if tokens:
                # Ties in document order (TIE_ORDER): only the rows up to the page's last score
                # (and those tied with it) are joined to their entries, not the whole sample.
                page_sql = (
                    "SELECT s.id AS id, s.r AS r FROM s JOIN search_entry e ON e.id = s.id"
                    " WHERE s.r <= COALESCE((SELECT r FROM s ORDER BY r LIMIT 1 OFFSET %s), (SELECT MAX(r) FROM s))"
                    f" ORDER BY s.r, {TIE_ORDER}"
                )
                page_params = [offset + size - 1, size, offset]
            else:
                page_sql = f"SELECT id, r FROM s ORDER BY {order}"
                page_params = [size, offset]
            cur.execute(
                f"WITH s AS MATERIALIZED ({sql})"
                f" SELECT 0, id, r, NULL FROM ({page_sql} LIMIT %s OFFSET %s)"
                " UNION ALL SELECT 1, COUNT(*), COUNT(k.entry_id), group_concat(k.keys, char(31))"
                " FROM s LEFT JOIN search_entry_facets k ON k.entry_id = s.id",
                [match, FACET_SAMPLE, 0] + page_params,
            )
            rows = cur.fetchall()
            _kind, in_sample, keyed, all_keys = rows[-1]
            if not in_sample:
                return SearchResults(0, [], {}, page, size, query)
            if keyed < in_sample and not _retry:
                # FTS rows whose entry is gone (the entry tables were flushed), or entries without
                # their facet row: purge the former, write the latter, search again.
                cur.execute("DELETE FROM search_fts WHERE rowid NOT IN (SELECT id FROM search_entry)")
                backfill_facet_keys(cur)
                return self._search_sqlite(query, tokens, page, size, _retry=True)
            if in_sample < FACET_SAMPLE:
                count = keyed  # the sample is every match: no second pass to count them
            else:
                cur.execute("SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH %s", [match])
                count = cur.fetchone()[0]
            if offset + size <= in_sample or in_sample >= count:
                page_rows = [(row[1], row[2]) for row in rows[:-1]]
            else:
                cur.execute(sql, [match, size, offset])
                page_rows = [(row[0], row[1]) for row in cur.fetchall()]
            # bm25() is lower for better matches.
            hits = self._hits(cur, query, tokens, [(entry_id, -float(r or 0.0)) for entry_id, r in page_rows])
        if not query.facets:
            return SearchResults(count=count, hits=hits, facets={}, page=page, page_size=size, query=query)
        return SearchResults(
            count=count, hits=hits, facets=_count_facet_keys(all_keys or ""), page=page,
            page_size=size, query=query, facets_sampled=keyed if count > keyed else 0,
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        self._ensure()
        norm = analysis.normalize(prefix).strip()[:50]
        if not norm:
            return []
        like = norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        limit = min(max(1, int(limit)), 50)
        with self.db.cursor() as cur:
            cur.execute(
                "SELECT title, CASE WHEN title_norm LIKE %s ESCAPE '\\' THEN 0 ELSE 1 END AS r FROM search_entry"
                " WHERE visibility = %s AND title_norm LIKE %s ESCAPE '\\' ORDER BY r, LENGTH(title), title LIMIT %s",
                [like + "%", PUBLIC, "%" + like + "%", limit],
            )
            out = []
            for title, _r in cur.fetchall():
                if title not in out:
                    out.append(title)
            return out



def _count_facet_keys(all_keys: str) -> dict[str, list[dict]]:
    """Facet counts from the ``search_entry_facets.keys`` of the sampled matches, joined by US (SQLite)."""
    counts = collections.Counter(all_keys.split(_US))
    merged: dict[tuple[str, str], list] = {}
    for item, count in counts.items():
        parts = item.split(_RS)
        if len(parts) != 3:  # a separator inside a tag someone typed: leave that value out, never fail
            continue
        name, value, label = parts
        slot = merged.setdefault((name, value), [label, 0])
        slot[0] = max(slot[0], label)  # a renamed value: one count, the label SQL's MAX() would pick
        slot[1] += count
    return facet_lists((name, value, label, count) for (name, value), (label, count) in merged.items())
