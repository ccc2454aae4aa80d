"""Knowledge benchmarks (scripts that print figures, not tests).

  python -m knowledge.bench import --docs docs.jsonl [--limit N] [--public-source] [--engine embedded|elasticsearch]
                                  [--database-url postgres://…/empty_db] [--debug] [--profile]
  python -m knowledge.bench relevance --docs docs.jsonl --queries queries.jsonl [--engine embedded|elasticsearch|both]

Both run in a throwaway database (a temporary SQLite file, migrated first; never the
project database), with indexing on exactly as in production: every page gets its
revisions, its log entries, its entry in the portal's search index and in Wagtail's admin
search index.

``import`` times ``manage.py import_articles`` (the same ``knowledge.importer.import_file``)
and prints documents per second of wall-clock time and of this process's CPU time (the
machine is shared: CPU time is what the import itself costs), plus what it wrote.

``relevance`` imports the documents through the product (``--public-source``), asks every
question through ``GET /api/search/`` as an anonymous reader, scores the top 10 like
``python -m search.bench relevance`` and runs that benchmark's own path (the same
documents indexed straight into a fresh engine) for comparison: both figures, and the
number of questions whose ranked lists differ, are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path


def _setup(var_dir: str, engine: str, database_url: str = "", settings: str = "portal.settings.dev") -> None:
    os.environ["BANCHENG_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ["BANCHENG_SEARCH_ENGINE"] = engine
    if engine == "elasticsearch":
        os.environ["BANCHENG_ES_INDEX_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
    if database_url:  # an empty PostgreSQL database, migrated here
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop_es():
    from search.engines import get_engine

    engine = get_engine()
    drop = getattr(engine, "drop_all", None)
    if drop:
        try:
            drop()
        except Exception as exc:  # the figures are printed already
            print(f"# could not delete temporary indices: {exc}", file=sys.stderr)


def run_import(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Production settings (DEBUG off, as `manage.py import_articles` runs in production) unless
        # --debug: the development settings log every SQL query (measured: a fifth more CPU time).
        _setup(tmp, args.engine, args.database_url,
               settings="portal.settings.dev" if args.debug else "portal.settings.bench")
        from django.db import connection
        from wagtail.models import PageLogEntry, Revision

        from knowledge.importer import import_file
        from knowledge.models import SolutionArticlePage

        source = Path(args.docs)
        if args.limit:
            source = Path(tmp) / "docs.jsonl"
            with open(args.docs, encoding="utf-8") as fh, source.open("w", encoding="utf-8") as out:
                for n, line in enumerate(fh):
                    if n >= args.limit:
                        break
                    out.write(line)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        report = import_file(source, public_source=args.public_source)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        n = report.published + len(report.drafts) + len(report.unindexed)
        from search.engines import get_engine

        entries = get_engine().count()
        from django.conf import settings

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"# engine {args.engine}, database {connection.vendor}, {os.cpu_count()} cores, "
              f"settings {settings.SETTINGS_MODULE} (DEBUG {settings.DEBUG}), load average {load:.1f} at the end")
        print(f"# {report.summary()}")
        print(
            f"# written: {SolutionArticlePage.objects.count()} pages ({SolutionArticlePage.objects.live().count()} live), "
            f"{Revision.objects.count()} revisions, {PageLogEntry.objects.count()} log entries, "
            f"{entries} search entries"
        )
        print("| documents | wall s | docs/s (wall) | CPU s | docs/s (CPU) |\n|---|---|---|---|---|")
        print(f"| {n} | {wall:.1f} | {n / wall:.1f} | {cpu:.1f} | {n / cpu:.1f} |")
        if args.engine == "elasticsearch":
            _drop_es()


def product_rankings(queries, *, k: int = 10) -> dict[str, list[str]]:
    """Ask each question through ``GET /api/search/`` as an anonymous reader: external ids, best first."""
    from django.test import Client, override_settings

    client = Client()
    run = {}
    # One reader asking hundreds of questions in a row would be throttled (429) after the
    # public search limit; the figures measure ranking, not the limit. The counter persists
    # between runs in one database, so the limit is one no run reaches, not the run's length.
    with override_settings(BANCHENG_SEARCH_RATE_LIMIT=(10**9, 60)):
        for q in queries:
            response = client.get("/api/search/", {"q": q["query"], "page_size": k})
            if response.status_code != 200:
                raise RuntimeError(f"/api/search/ answered {response.status_code} for {q['query']!r}")
            run[q["query"]] = [r["external_id"] for r in response.json().get("results", [])][:k]
    return run


def bench_rankings(docs, queries, *, engine_name: str, k: int = 10) -> dict[str, list[str]]:
    """``python -m search.bench relevance``'s own path: the same documents straight into a fresh engine."""
    from search.bench import _docs_to_search, _dispose, _engine
    from search.engines.base import SearchQuery

    with tempfile.TemporaryDirectory() as tmp:
        engine = _engine(engine_name, tmp)
        try:
            engine.rebuild(_docs_to_search(docs))
            return {
                q["query"]: [h.external_id for h in engine.search(SearchQuery(q=q["query"], page_size=k)).hits]
                for q in queries
            }
        finally:
            _dispose(engine)


def run_relevance(args) -> None:
    names = ["embedded", "elasticsearch"] if args.engine == "both" else [args.engine]
    if len(names) > 1:
        # One throwaway database and engine per process: run each engine in its own.
        import subprocess

        for name in names:
            subprocess.run(
                [sys.executable, "-m", "knowledge.bench", "relevance", "--docs", args.docs, "--queries",
                 args.queries, "--engine", name],
                check=True,
            )
        return
    name = names[0]
    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp, name)
        from search import analysis
        from search.bench import score
        from knowledge.importer import import_file

        docs = [json.loads(line) for line in open(args.docs, encoding="utf-8") if line.strip()]
        queries = [json.loads(line) for line in open(args.queries, encoding="utf-8") if line.strip()]
        t = time.perf_counter()
        report = import_file(Path(args.docs), public_source=True)
        t_import = time.perf_counter() - t
        t = time.perf_counter()
        product = product_rankings(queries)
        t_query = time.perf_counter() - t
        analysis.vocabulary.enabled = False  # as search.bench does; the fresh database has none anyway
        bench = bench_rankings(docs, queries, engine_name=name)
        differ = sum(1 for q in queries if product[q["query"]] != bench[q["query"]])
        print(f"# {name}: {report.summary()} ({t_import:.1f}s); {len(queries)} questions through /api/search/ in {t_query:.1f}s")
        print("| path | nDCG@10 | MRR@10 | R@10 |\n|---|---|---|---|")
        for label, run in ((f"product ({name}, import + /api/search/)", product), (f"search.bench ({name})", bench)):
            s = score(queries, run)
            print(f"| {label} | {s['ndcg@10']:.4f} | {s['mrr@10']:.4f} | {s['recall@10']:.4f} |")
        print(f"# questions whose top 10 differ between the two paths: {differ} of {len(queries)}")
        if name == "elasticsearch":
            _drop_es()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m knowledge.bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("--docs", required=True)
    imp.add_argument("--limit", type=int, default=0, help="only the first N lines")
    imp.add_argument("--public-source", action="store_true")
    imp.add_argument("--engine", default="embedded", choices=["embedded", "elasticsearch"])
    imp.add_argument("--profile", action="store_true", help="print a CPU-time profile of the import")
    imp.add_argument("--debug", action="store_true", help="development settings (DEBUG on, SQL queries logged)")
    imp.add_argument("--database-url", default="", help="an empty PostgreSQL database to use instead of SQLite")
    rel = sub.add_parser("relevance")
    rel.add_argument("--docs", required=True)
    rel.add_argument("--queries", required=True)
    rel.add_argument("--engine", default="both", choices=["embedded", "elasticsearch", "both"])
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    {"import": run_import, "relevance": run_relevance}[args.cmd](args)


if __name__ == "__main__":
    main()
