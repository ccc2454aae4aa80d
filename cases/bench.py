"""Case-desk benchmark at a realistic size (a script that prints figures, not a test).

  python -m cases.bench --cases 20000 [--database-url postgres://…/empty_db] [--runs 5]

A service hall's desk keeps years of cases. This builds a throwaway database (a
temporary SQLite file unless ``--database-url`` names an EMPTY database), loads the
demo, grows it to ``--cases`` by copying the demo cases with their dispatches,
timelines and 容缺 materials (random hall, registration date within two years,
phone), rebuilds the (embedded) search index, then requests each role's everyday pages in
process, as that user, and prints the median and slowest time and the number of
SQL queries of each.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

COPY_BATCH = 1000


def _setup_django(database_url: str | None, tmpdir: str) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{os.path.join(tmpdir, 'bench.sqlite3')}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    # The embedded engine in the throwaway database (never a shared Elasticsearch index),
    # and tasks run in process, so the index is current when the pages are timed.
    os.environ["BANCHENG_SEARCH_ENGINE"] = "embedded"
    os.environ["BANCHENG_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    import logging

    from django.conf import settings

    settings.DEBUG = False  # time pages as served, not with the debug machinery (set before any render)

    logging.disable(logging.INFO)  # one "case registered" line per demo case is noise here


def _copy_fields(obj, skip=("id",), **overrides) -> dict:
    fields = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if f.attname not in skip}
    fields.update(overrides)
    return fields


def grow_cases(total: int, seed: int = 20231101) -> float:
    """Copy demo cases (with their related rows) until there are ``total``; returns seconds."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, Dispatch, MissingMaterial, ServiceHall, TimelineEntry

    rng = random.Random(seed)
    templates = list(Case.objects.prefetch_related("dispatches", "timeline", "materials"))
    halls = list(ServiceHall.objects.all())
    now = timezone.now()
    started = time.perf_counter()
    todo = total - len(templates)
    while todo > 0:
        with transaction.atomic():
            pairs = []
            for _ in range(min(COPY_BATCH, todo)):
                src = rng.choice(templates)
                hall = rng.choice(halls)
                created = now - datetime.timedelta(days=rng.uniform(0, 730))
                closed = created + datetime.timedelta(days=rng.uniform(1, 20)) if src.closed_at else None
                case = Case(
                    **_copy_fields(
                        src,
                        skip=("id", "tracking_number", "idempotency_key"),
                        hall_id=hall.pk,
                        district_id=hall.district_id,
                        created_at=created,
                        closed_at=closed,
                        archived_at=closed + datetime.timedelta(days=3) if closed and src.archived_at else None,
                        deadline=(created + datetime.timedelta(days=14)).date() if src.deadline else None,
                        reporter_phone=f"139{rng.randrange(10**8):08d}",
                        tracking_number=f"BENCH-{todo}-{len(pairs)}",
                    )
                )
                pairs.append((case, src))
            cases = Case.objects.bulk_create([case for case, _src in pairs])
            for case in cases:
                case.tracking_number = f"BCS-{timezone.localtime(case.created_at).year}-{case.pk:06d}"
            Case.objects.bulk_update(cases, ["tracking_number"])
            Dispatch.objects.bulk_create(
                Dispatch(**_copy_fields(d, skip=("id", "case_id"), case_id=case.pk))
                for case, src in pairs
                for d in src.dispatches.all()
            )
            TimelineEntry.objects.bulk_create(
                TimelineEntry(**_copy_fields(t, skip=("id", "case_id"), case_id=case.pk))
                for case, src in pairs
                for t in src.timeline.all()
            )
            MissingMaterial.objects.bulk_create(
                MissingMaterial(**_copy_fields(m, skip=("id", "case_id"), case_id=case.pk))
                for case, src in pairs
                for m in src.materials.all()
            )
        todo -= len(pairs)
    return time.perf_counter() - started


def role_pages(case_pk: int) -> dict[str, list]:
    """Each demo role's everyday requests: a path, or (path, POST data) for the intake helpers."""
    matter = "租的铺位前租户没注销，新店办不了营业执照"
    return {
        "window": [
            "/admin/",
            "/admin/cases/case/",
            "/admin/cases/case/new/",
            ("/admin/cases/intelligence/precedents/", {"text": matter}),
            ("/admin/cases/intelligence/duplicates/", {"text": matter, "phone": "13900001111"}),
            ("/admin/cases/intelligence/suggest/", {"text": matter}),
        ],
        "triage": [
            "/admin/",
            "/admin/cases/case/",
            "/admin/cases/case/?status=in_progress",
            "/admin/cases/case/?q=营业执照",
            f"/admin/cases/case/inspect/{case_pk}/",
            "/admin/cases/overdue/",
            "/admin/cases/statistics/",
            "/admin/cases/classes/",
            "/admin/cases/case/?export=xlsx&status=closed",
        ],
        "dept": ["/admin/", "/admin/cases/my-dispatches/"],
        "supervisor": [
            "/admin/",
            "/admin/cases/case/",
            "/admin/cases/statistics/",
            "/admin/cases/classes/",
            "/admin/cases/overdue/",
        ],
    }


def time_pages(runs: int) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case

    case = Case.objects.filter(district__code="hongkou").order_by("-pk").first()
    rows = []
    for role, requests in role_pages(case.pk).items():
        client = Client()
        client.force_login(get_user_model().objects.get(username=role))
        for request in requests:
            path, data = request if isinstance(request, tuple) else (request, None)
            client.post(path, data) if data is not None else client.get(path)  # warm caches
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.post(path, data) if data is not None else client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{role} {path}: HTTP {response.status_code}")
            rows.append((role, ("POST " if data is not None else "") + path, statistics.median(times),
                         max(times), len(queries.captured_queries)))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cases.bench")
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page")
    parser.add_argument("--database-url", default="", help="an EMPTY database to fill (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="bancheng-cases-bench-") as tmpdir:
        _setup_django(args.database_url or None, tmpdir)
        from django.core.management import call_command
        from django.db import connection

        from cases.models import Case, Dispatch, TimelineEntry
        from search import indexing

        if connection.introspection.table_names():
            raise SystemExit("--database-url must name an empty database: this benchmark fills it.")
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=open(os.devnull, "w"))
        grown = grow_cases(args.cases)
        started = time.perf_counter()
        counts = indexing.rebuild()
        indexed = time.perf_counter() - started
        print(
            f"{connection.vendor}: {Case.objects.count()} cases, {Dispatch.objects.count()} dispatches, "
            f"{TimelineEntry.objects.count()} timeline entries (copied in {grown:.1f} s); "
            f"search index rebuilt in {indexed:.1f} s ({counts.get('case', 0)} case documents)"
        )
        print(f"| role | request | median (ms) | slowest of {args.runs} (ms) | SQL queries |")
        print("|---|---|---|---|---|")
        for role, path, median, slowest, queries in time_pages(args.runs):
            print(f"| {role} | `{path}` | {median:.0f} | {slowest:.0f} | {queries} |", flush=True)


if __name__ == "__main__":
    main()
