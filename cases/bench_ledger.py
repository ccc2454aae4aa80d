"""Ledger import benchmark (a script that prints figures, not a test).

  python -m cases.bench_ledger [--rows 500] [--engine embedded|elasticsearch] [--runs 3]

Builds a throwaway SQLite database with the demo, writes a Putuo-style ledger of ``--rows``
rows (half of them with a 处理结果, so imported closed and indexed into the case library, half
open), previews it and imports it as the demo's superuser, ``--runs`` times, with index tasks
run in process (the import's index update is part of what is timed). Prints per run the wall
and CPU seconds of the import, its SQL queries, and on Elasticsearch the index refreshes it
caused (read from the index's own statistics). On Elasticsearch the index has a temporary
prefix and is dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

HEADERS = ["反映日期", "反映人", "联系电话", "反映事项", "所属区", "处理结果"]
MATTERS = [
    "营业执照变更需要前租户注销证明，前租户联系不上，跑了三次没有办成",
    "残疾人两项补贴申请要求户籍地办理，居住地窗口不受理",
    "公积金提取要求原单位盖章，原单位已注销",
    "食品经营许可证延续，系统提示信息不一致无法提交",
    "新生儿医保参保需要户口本，户口还在外省",
]


def ledger_csv(rows: int, district: str, seed: int = 20240301) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        writer.writerow([
            f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            rng.choice("张王李赵陈刘") + "某某",
            f"139{rng.randrange(10**8):08d}",
            f"{rng.choice(MATTERS)}（台账第{i + 1}条）",
            district,
            "经协调已办成" if i % 2 else "",
        ])
    return out.getvalue().encode("utf-8-sig")


def _setup(tmpdir: str, engine: str, prefix: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{os.path.join(tmpdir, 'bench.sqlite3')}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ["BANCHENG_SEARCH_ENGINE"] = engine
    os.environ["BANCHENG_ES_INDEX_PREFIX"] = prefix
    os.environ["BANCHENG_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    import logging

    from django.conf import settings

    settings.DEBUG = False
    logging.disable(logging.INFO)  # one "case registered" line per row is noise here


def _refreshes(engine) -> int | None:
    client = getattr(engine, "client", None)
    if client is None:
        return None  # the embedded engine's writes are searchable at commit: nothing to refresh
    stats = client.indices.stats(index=engine.alias, metric="refresh")
    return stats["_all"]["primaries"]["refresh"]["total"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cases.bench_ledger")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--engine", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="bancheng-ledger-bench-") as tmpdir:
        _setup(tmpdir, args.engine, f"bench-{uuid.uuid4().hex[:8]}")
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connection

        from cases import ledger_import
        from knowledge.models import District
        from search import indexing
        from search.engines import get_engine

        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=open(os.devnull, "w"))
        indexing.rebuild()
        engine = getattr(get_engine(), "inner", get_engine())
        user = User.objects.filter(is_superuser=True).order_by("pk").first()
        content = ledger_csv(args.rows, District.objects.order_by("pk").first().name)
        mapping = {name: header for name, (_label, header, _required) in ledger_import.TARGETS.items()
                   if header in HEADERS}
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        print(f"ledger import of {args.rows} rows on SQLite, {args.engine} search engine")
        print("| run | wall (s) | CPU (s) | SQL queries | index refreshes |")
        print("|---|---|---|---|---|")
        try:
            for run in range(1, args.runs + 1):
                result = ledger_import.preview(content=content, filename="ledger.csv", mapping=mapping, user=user)
                assert not result.errors, result.errors[0].errors
                refreshed = _refreshes(engine)
                queries[0] = 0
                wall, cpu = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(count):
                    ledger_import.import_rows(rows=result.rows, author=user)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                refreshes = "–" if refreshed is None else str(_refreshes(engine) - refreshed)
                print(f"| {run} | {wall:.2f} | {cpu:.2f} | {queries[0]} | {refreshes} |", flush=True)
        finally:
            if hasattr(engine, "drop_all"):
                engine.drop_all()


if __name__ == "__main__":
    main()
