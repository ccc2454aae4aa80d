"""Case-desk benchmark at a realistic size (a script that prints figures, not a test).

  python -m cases.bench --cases 20000 [--database-url postgres://…/empty_db] [--runs 5]
  python -m cases.bench dashboard --cases 100000 [--database-url …] [--runs 3] [--keep FILE | --reuse]
  python -m cases.bench actions --cases 20000 [--database-url postgres://…/empty_db] [--runs 20]

``dashboard`` times the 统计分析 trend views, the monthly report, the dashboard panel
and the public /statistics/ page instead (two years of cases spread over every
district, with search logs, reader feedback and guide visits), without the search
index; its last line is ``slowest dashboard view: N ms``. Generating 100,000 cases takes
minutes: ``--keep FILE`` fills (or, when it exists, reuses) that SQLite file instead of a
temporary one, and ``--reuse`` accepts a ``--database-url`` this benchmark filled before (or
fills an empty one); a reused database is migrated and its summaries rebuilt
(``manage.py rebuild_case_trends``).

A service hall's desk keeps years of cases. This builds a throwaway database (a
temporary SQLite file unless ``--database-url`` names an EMPTY database), loads the
demo, grows it to ``--cases`` by copying the demo cases with their dispatches,
timelines and 容缺 materials (random hall, registration date within two years,
phone), rebuilds the (embedded) search index, then requests each role's everyday pages in
process, as that user, and prints the median and slowest time and the number of
SQL queries of each. ``actions`` instead performs every staff action as its role
(``cases.bench_actions``) and prints median and p95 per action.
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


def _setup_django(database_url: str | None, tmpdir: str, task_backend: str = "") -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{os.path.join(tmpdir, 'bench.sqlite3')}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    # The embedded engine in the throwaway database (never a shared Elasticsearch index),
    # and tasks run in process, so the index is current when the pages are timed.
    os.environ["BANCHENG_SEARCH_ENGINE"] = "embedded"
    os.environ["BANCHENG_TASK_BACKEND"] = task_backend or "django_tasks.backends.immediate.ImmediateBackend"
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


def grow_cases(total: int, seed: int = 20231101, *, all_districts: bool = False, timeline: bool = True) -> float:
    """Copy demo cases (with their related rows) until there are ``total``; returns seconds.

    ``all_districts`` spreads the copies over every district (halls where a district has
    one); ``timeline=False`` leaves out the timelines, which no statistic reads."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, Dispatch, MissingMaterial, ServiceHall, TimelineEntry
    from knowledge.models import District

    rng = random.Random(seed)
    templates = list(Case.objects.prefetch_related("dispatches", "timeline", "materials"))
    halls = list(ServiceHall.objects.all())
    if all_districts:
        by_district = {h.district_id: h for h in halls}
        halls = [by_district.get(d.pk) or ServiceHall(district_id=d.pk) for d in District.objects.all()]
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
                        rating=rng.choice([None, 1, 2, 3, 4, 5, 5]) if src.closed_at else None,
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
                for t in (src.timeline.all() if timeline else ())
            )
            MissingMaterial.objects.bulk_create(
                MissingMaterial(**_copy_fields(m, skip=("id", "case_id"), case_id=case.pk))
                for case, src in pairs
                for m in src.materials.all()
            )
        todo -= len(pairs)
    from cases.trends import facts

    facts.rebuild()  # bulk_create saved no case: the trend summary is built as manage.py rebuild_case_trends does
    return time.perf_counter() - started


def role_pages(case_pk: int, open_case_pk: int) -> dict[str, list]:
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
            # A closed case, then an open one: its page carries the open-case action forms (并单 …).
            f"/admin/cases/case/inspect/{case_pk}/",
            f"/admin/cases/case/inspect/{open_case_pk}/",
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

    from cases.selectors import OPEN_STATUSES

    hongkou = Case.objects.filter(district__code="hongkou").order_by("-pk")
    case = hongkou.exclude(status__in=OPEN_STATUSES).first()
    open_case = hongkou.filter(status__in=OPEN_STATUSES).first()
    rows = []
    for role, requests in role_pages(case.pk, open_case.pk).items():
        client = Client()
        client.force_login(get_user_model().objects.get(username=role))
        for request in requests:
            path, data = request if isinstance(request, tuple) else (request, None)
            client.post(path, data) if data is not None else client.get(path)  # warm caches
            times, cpu = [], []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = client.post(path, data) if data is not None else client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{role} {path}: HTTP {response.status_code}")
            rows.append((role, ("POST " if data is not None else "") + path, statistics.median(times),
                         max(times), statistics.median(cpu), len(queries.captured_queries)))
    return rows


def grow_reader_signals(searches: int, seed: int = 20231102) -> None:
    """Two years of search logs with clicks, reader feedback and guide visits (the trends read them)."""
    from django.utils import timezone
    from wagtail.models import Page

    from cases.models import GuideVisit
    from knowledge.models import ArticleFeedback
    from search.models import QueryClick, QueryLog

    rng = random.Random(seed)
    now = timezone.now()
    words = ["营业执照", "简易注销", "社保转移", "公积金提取", "居住证", "食品经营许可", "户口迁移", "不动产登记",
             "医保报销", "出生证明", "退休手续", "个体户注销", "税务清税", "网约车", "演出许可"]

    def when():
        return now - datetime.timedelta(days=rng.uniform(0, 730))

    def bulk(model, objects):
        # The analytics models stamp created_at themselves; keep the spread-out dates.
        field = model._meta.get_field("created_at")
        saved, field.auto_now_add = getattr(field, "auto_now_add", False), False
        try:
            model.objects.bulk_create(objects, batch_size=COPY_BATCH)
        finally:
            field.auto_now_add = saved

    logs = []
    for _ in range(searches):
        q = rng.choice(words) + rng.choice(["", "", "流程", "材料", "多久"])
        zero = rng.random() < 0.08
        logs.append(QueryLog(query=q, result_count=0 if zero else rng.randrange(1, 40), zero_result=zero,
                             created_at=when()))
    bulk(QueryLog, logs)
    bulk(QueryClick, [QueryClick(query=log.query, doc=f"article:{rng.randrange(1, 50)}", position=1,
                                 client=f"{rng.randrange(16**8):08x}", reported=rng.random() < 0.1,
                                 created_at=log.created_at + datetime.timedelta(seconds=5))
                      for log in logs if not log.zero_result and rng.random() < 0.3])
    pages = list(Page.objects.filter(depth__gt=2).values_list("pk", flat=True)[:20])
    bulk(ArticleFeedback, [ArticleFeedback(page_id=rng.choice(pages), helpful=rng.random() < 0.7, created_at=when())
                           for _ in range(searches // 20)])
    bulk(GuideVisit, [GuideVisit(reported=rng.random() < 0.4, created_at=when()) for _ in range(searches // 20)])
    from search.analytics import rebuild_query_day_counts

    rebuild_query_day_counts()  # bulk_create counted no search: as manage.py rebuild_case_trends does


def dashboard_pages(today: datetime.date) -> list[tuple[str, str]]:
    """(role, path) of every trend view, the monthly report, the dashboard and /statistics/."""
    from cases.trends.selectors import SECTIONS

    two_years = f"date_from={today - datetime.timedelta(days=729):%Y-%m-%d}&date_to={today:%Y-%m-%d}"
    one_year = f"date_from={today - datetime.timedelta(days=364):%Y-%m-%d}&date_to={today:%Y-%m-%d}"
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    rows = []
    for role in ("supervisor", "triage", "dept"):
        for key in SECTIONS:
            if role == "dept" and key == "search":
                continue
            rows.append((role, f"/admin/cases/trends/{key}/?{two_years}&granularity=month"))
            if role == "supervisor":
                rows.append((role, f"/admin/cases/trends/{key}/?{one_year}&granularity=week"))
        rows.append((role, "/admin/"))
    rows.append(("supervisor", f"/admin/cases/trends/intake/?{two_years}&export=all&format=xlsx"))
    rows.append(("triage", f"/admin/cases/trends/monthly/?month={last_month}"))
    rows.append(("anonymous", "/statistics/"))
    return rows


def time_dashboard(runs: int) -> list[tuple]:
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    rows = []
    clients = {}
    for role, path in dashboard_pages(timezone.localdate()):
        if role not in clients:
            clients[role] = Client()
            if role != "anonymous":
                clients[role].force_login(get_user_model().objects.get(username=role))
        client = clients[role]
        times = []
        for _ in range(runs + 1):
            caches["default"].clear()  # time the figures, not the public page cache
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{role} {path}: HTTP {response.status_code}")
        times = times[1:]  # the first request warms caches
        rows.append((role, path, statistics.median(times), max(times), len(queries.captured_queries)))
    return rows


def main_dashboard(args, reuse: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case, Dispatch
    from search.models import QueryLog

    call_command("migrate", verbosity=0)
    if reuse:
        if Case.objects.count() < args.cases:
            raise SystemExit(f"the reused database holds {Case.objects.count()} cases, fewer than --cases")
        started = time.perf_counter()
        call_command("rebuild_case_trends", stdout=open(os.devnull, "w"))  # summaries as this code builds them
        grown, signals = time.perf_counter() - started, 0.0
    else:
        call_command("load_demo", stdout=open(os.devnull, "w"))
        grown = grow_cases(args.cases, all_districts=True, timeline=False)
        started = time.perf_counter()
        grow_reader_signals(args.cases)
        signals = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {Case.objects.count()} cases in {Case.objects.values('district').distinct().count()} "
        f"districts, {Dispatch.objects.count()} dispatches ({'reused, summaries rebuilt' if reuse else 'copied'} "
        f"in {grown:.1f} s); "
        f"{QueryLog.objects.count()} searches with clicks, feedback and guide visits ({signals:.1f} s)"
    )
    print(f"| role | request | median (ms) | slowest of {args.runs} (ms) | SQL queries |")
    print("|---|---|---|---|---|")
    slowest = 0.0
    for role, path, median, worst, queries in time_dashboard(args.runs):
        slowest = max(slowest, worst)
        print(f"| {role} | `{path}` | {median:.0f} | {worst:.0f} | {queries} |", flush=True)
    print(f"slowest dashboard view: {slowest:.0f} ms")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cases.bench")
    parser.add_argument("mode", nargs="?", choices=["desk", "dashboard", "actions"], default="desk",
                        help="desk: each role's everyday pages (default); dashboard: 统计分析 and /statistics/; "
                        "actions: every staff action as its role")
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=0, help="timed requests per page (default 5), or loops of every action (default 20)")
    parser.add_argument("--database-url", default="", help="an EMPTY database to fill (default: a temporary SQLite file)")
    parser.add_argument("--keep", default="", metavar="FILE",
                        help="dashboard: fill this SQLite file and keep it, or reuse it when it exists")
    parser.add_argument("--reuse", action="store_true",
                        help="dashboard: accept a --database-url this benchmark filled before (an empty one is filled)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="bancheng-cases-bench-") as tmpdir:
        actions = args.mode == "actions"
        runs = args.runs = args.runs or (20 if actions else 5)
        # Actions are timed as deployed: follow-up work queued for the worker, not run in the request.
        if args.keep and (args.database_url or args.mode != "dashboard"):
            parser.error("--keep is for the dashboard benchmark on SQLite (without --database-url)")
        if args.reuse and not (args.database_url and args.mode == "dashboard"):
            parser.error("--reuse is for the dashboard benchmark with --database-url (on SQLite use --keep)")
        keep_exists = bool(args.keep and os.path.exists(args.keep))
        database_url = args.database_url or (f"sqlite:///{os.path.abspath(args.keep)}" if args.keep else None)
        _setup_django(database_url, tmpdir, "django_tasks_db.backend.DatabaseBackend" if actions else "")
        from django.core.management import call_command
        from django.db import connection

        from cases.models import Case, Dispatch, TimelineEntry
        from search import indexing

        filled = bool(connection.introspection.table_names())
        reuse = filled and (args.reuse or keep_exists)
        if filled and not reuse:
            raise SystemExit("--database-url must name an empty database: this benchmark fills it.")
        if args.mode == "dashboard":
            main_dashboard(args, reuse=reuse)
            return
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
        if actions:
            from django_tasks_db.models import DBTaskResult

            from cases import bench_actions

            DBTaskResult.objects.all().delete()  # the rebuild above indexed what the setup queued
            bench_actions.report(bench_actions.time_actions(runs))
            return
        print(f"| role | request | median (ms) | slowest of {runs} (ms) | CPU median (ms) | SQL queries |")
        print("|---|---|---|---|---|---|")
        for role, path, median, slowest, cpu, queries in time_pages(runs):
            print(f"| {role} | `{path}` | {median:.0f} | {slowest:.0f} | {cpu:.0f} | {queries} |", flush=True)


if __name__ == "__main__":
    main()
