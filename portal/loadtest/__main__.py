"""python -m portal.loadtest run | drills — load and faults on loopback, with figures.

run     the field mix (portal/loadtest/locustfile.py) against gunicorn + the task
        worker on one deployment; prints throughput, p50/p95/p99 and errors per
        request type and the online reports sent / stored. Last line:
        ``load: N requests, E errors, p95 X ms, reports S sent / T stored``.
drills  the same mix with a fault in the middle of each run (an Elasticsearch
        node killed, the whole cluster down, the task worker killed, PostgreSQL
        restarted, two app processes acting on one case at once, the web workers
        killed while reports are submitted twice at once), each followed
        by the check that nothing was lost; exits non-zero when anything was.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

from .clients import StaffSession, fetch, report_form, search_status
from .deployment import ROOT, Deployment, log

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PAGE_P95_TARGET_MS = 300
PAGE_TYPES_EXCLUDED = {"online report", "registration", "staff login", "status lookup", "Aggregated"}


class LoadRun:
    """One headless locust run in the background."""

    _runs = 0

    def __init__(self, deployment: Deployment, plan: dict, *, users: int, spawn_rate: float, seconds: int, tag: str):
        self.dir = deployment.workdir / f"run-{tag}"
        self.dir.mkdir(parents=True, exist_ok=True)
        # Each run's simulated people are new people: their own client addresses, so the
        # per-address limits (reports an hour) of one run do not carry into the next.
        LoadRun._runs += 1
        plan = dict(plan, address_block=LoadRun._runs)
        (self.dir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        self.reports_file = self.dir / "reports.json"
        self.samples_file = self.dir / "samples.json"
        env = dict(os.environ, BANCHENG_LOAD_PLAN=str(self.dir / "plan.json"),
                   BANCHENG_LOAD_REPORTS_OUT=str(self.reports_file), BANCHENG_LOAD_SAMPLES_OUT=str(self.samples_file))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", deployment.url,
             "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
             "--stop-timeout", "10", "--csv", str(self.dir / "stats"), "--only-summary", "--loglevel", "ERROR"],
            cwd=ROOT, env=env, stdout=open(self.dir / "locust.out", "w"), stderr=subprocess.STDOUT,
        )

    def wait(self) -> list[dict]:
        self.proc.wait()
        with open(self.dir / "stats_stats.csv", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def steady_rows(self, *, settle: float) -> tuple[list[dict], float]:
        """Per request type over the working hours only: from ``settle`` seconds after the last
        user started (the ramp, when every member of staff signs in at once, is left out) to
        the end. Returns the rows, in the shape of locust's CSV, and the window's length."""
        recorded = json.loads(self.samples_file.read_text(encoding="utf-8"))
        start = recorded["spawned_at"] + settle
        window = [s for s in recorded["samples"] if s[1] >= start]
        length = max((s[1] for s in window), default=start) - start
        by_name: dict[str, list] = {}
        for sample in window:
            by_name.setdefault(sample[0], []).append(sample)
        return [_row(name, samples, length) for name, samples in sorted(by_name.items())] + \
            [_row("Aggregated", window, length)], length

    def reports_sent(self) -> dict[str, str]:
        if not self.reports_file.exists():
            return {}
        return json.loads(self.reports_file.read_text(encoding="utf-8"))


def _row(name: str, samples: list, seconds: float) -> dict:
    times = sorted(s[2] for s in samples)

    def pct(q: float) -> str:
        return str(round(times[min(len(times) - 1, int(q * len(times)))])) if times else "N/A"

    return {"Name": name, "Request Count": str(len(samples)), "Failure Count": str(sum(1 for s in samples if s[3])),
            "Requests/s": str(len(samples) / seconds if seconds else 0.0), "50%": pct(0.50), "95%": pct(0.95),
            "99%": pct(0.99)}


def print_table(rows: list[dict]) -> dict:
    print(f"{'request':<28}{'count':>8}{'errors':>8}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  (ms)")
    total = {}
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        print(f"{name:<28}{row['Request Count']:>8}{row['Failure Count']:>8}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}")
        if row["Name"] == "Aggregated":
            total = row
    return total


def page_p95(rows: list[dict]) -> int:
    """The worst p95 among page views and searches (what a reader waits for)."""
    return max((int(float(r["95%"])) for r in rows if r["Name"] not in PAGE_TYPES_EXCLUDED and r["95%"] != "N/A"),
               default=0)


def worst_page(rows: list[dict]) -> str:
    pages = [r for r in rows if r["Name"] not in PAGE_TYPES_EXCLUDED and r["95%"] != "N/A"]
    return max(pages, key=lambda r: int(float(r["95%"])))["Name"] if pages else ""


def check_reports(deployment: Deployment, run: LoadRun) -> tuple[int, int, list[str]]:
    sent = run.reports_sent()
    accepted = [k for k, outcome in sent.items() if outcome == "accepted"]
    keys_file = run.dir / "accepted-keys.json"
    keys_file.write_text(json.dumps(list(sent)), encoding="utf-8")
    stored = deployment.reports_stored(keys_file) if sent else {}
    problems = [f"report {k[:8]} accepted but stored {stored.get(k, 0)}×" for k in accepted if stored.get(k) != 1]
    problems += [f"report {k[:8]} stored {n}×" for k, n in stored.items() if n > 1]
    return len(accepted), sum(1 for k in accepted if stored.get(k) == 1), problems


def cmd_run(args) -> int:
    """One deployment, one load run per user count (smallest first), on the same demo."""
    counts = sorted({int(n) for n in str(args.users).split(",") if n.strip()})
    deployment = _deployment(args, "run")
    plan = deployment.prepare()
    failures = 0
    held: list[int] = []
    try:
        deployment.start_web()
        deployment.warm_up(plan)
        deployment.start_worker()
        for users in counts:
            run = LoadRun(deployment, plan, users=users, spawn_rate=args.spawn_rate, seconds=args.seconds,
                          tag=f"run-{users}")
            rows = run.wait()
            deployment.wait_queue_empty()
            print(f"\n== {deployment.name}: {users} users, {args.seconds} s, think time 1–5 s, "
                  f"{args.spawn_rate:g} users started a second ==")
            print("-- the whole run, ramp included:")
            total = print_table(rows)
            steady, length = run.steady_rows(settle=args.settle)
            print(f"-- working hours: the last {length:.0f} s, from {args.settle:g} s after the last user started:")
            print_table(steady)
            sent, stored, problems = check_reports(deployment, run)
            for p in problems:
                print("LOST:", p)
            errors = int(total.get("Failure Count", 0))
            failures += errors + len(problems)
            worst = page_p95(steady)
            if worst <= PAGE_P95_TARGET_MS:
                held.append(users)
            print(f"page views and searches: worst p95 {page_p95(rows)} ms over the whole run ({worst_page(rows)}), "
                  f"{worst} ms in working hours ({worst_page(steady)})")
            print(f"load: {total.get('Request Count', 0)} requests, {errors} errors, p95 {total.get('95%', 'N/A')} ms, "
                  f"reports {sent} sent / {stored} stored")
    finally:
        deployment.stop_all()
    if len(counts) > 1:
        print(f"\n{deployment.name}: every page type's p95 ≤ {PAGE_P95_TARGET_MS} ms in working hours at "
              f"{', '.join(map(str, held)) or 'none'} of {', '.join(map(str, counts))} users")
    return 1 if failures else 0


def _post_report(url: str, n: int) -> int:
    """One citizen's report with a fresh form, as in the load (used while a part is down)."""
    opener, _key, data = report_form(url, address=f"10.250.{n // 250}.{n % 250 + 1}", phone=f"1360000{n:04d}",
                                     matter="故障演练期间的反映", timeout=15)
    return fetch(opener, url + "/report/", data=data, referer=url + "/report/", timeout=15)[0]


def _post_report_twice(url: str, n: int, attempts: int = 8) -> tuple[str, str]:
    """A citizen who presses 提交 twice at once, and again if the page did not answer.

    Returns the form's idempotency key and the outcome: "accepted" (some answer was the
    redirect to the receipt), "refused" (a 4xx) or "lost" (no answer in any attempt)."""
    opener, key, data = report_form(url, address=f"10.251.{n // 250}.{n % 250 + 1}", phone=f"1370000{n:04d}",
                                    matter="重复提交演练")

    def post() -> int:
        try:
            return fetch(opener, url + "/report/", data=data, referer=url + "/report/")[0]
        except (urllib.error.URLError, OSError):  # the worker died with the request
            return 0

    for _ in range(attempts):
        codes: list[int] = []
        both = [threading.Thread(target=lambda: codes.append(post())) for _ in range(2)]
        for t in both:
            t.start()
        for t in both:
            t.join()
        if 302 in codes:
            return key, "accepted"
        if any(400 <= c < 500 for c in codes):
            return key, "refused"
        time.sleep(2)
    return key, "lost"


def _kill_web_workers(master_pid: int) -> int:
    """SIGKILL every gunicorn worker of ``master_pid`` (the master starts new ones)."""
    out = subprocess.run(["pgrep", "-P", str(master_pid)], stdout=subprocess.PIPE, text=True).stdout
    pids = [int(p) for p in out.split()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(pids)


def es_script(*args: str) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "es.sh"), *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pg_script(*args: str, port: str) -> str:
    env = dict(os.environ, BANCHENG_PG_PORT=port, BANCHENG_PG_INSTANCE="drills")
    return subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), *args], check=True, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()


def cmd_drills(args) -> int:
    """Each fault in the middle of a short load run, then the check that nothing was lost."""
    results: list[tuple[str, bool, str]] = []
    pg_url = pg_script("start", port=args.pg_port).splitlines()[-1].rsplit("/", 1)[0] + "/bancheng_drills"
    es_urls = subprocess.run(["bash", str(ROOT / "scripts" / "es.sh"), "cluster-start"], check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip().splitlines()[-1]
    deployment = Deployment(name="drills", workdir=ROOT / "build" / "load" / "drills", database_url=pg_url,
                            es_urls=es_urls, es_replicas=2, workers=args.workers)
    plan = deployment.prepare()
    seconds = args.seconds
    try:
        deployment.start_web()
        deployment.warm_up(plan)
        deployment.start_worker()

        def drill(name: str, fault, check) -> None:
            log(f"drill: {name}")
            run = LoadRun(deployment, plan, users=args.users, spawn_rate=args.users, seconds=seconds, tag=name)
            time.sleep(seconds / 3)
            notes = fault() or ""
            rows = run.wait()
            deployment.wait_queue_empty()
            sent, stored, problems = check_reports(deployment, run)
            extra = check() or []
            total = next((r for r in rows if r["Name"] == "Aggregated"), {})
            ok = not problems and not extra
            detail = (f"{total.get('Request Count', 0)} requests, {total.get('Failure Count', 0)} failed during the "
                      f"fault, reports {sent} accepted / {stored} stored; {notes}")
            results.append((name, ok, detail + ("" if ok else " — " + "; ".join(problems + extra))))

        def index_ok() -> list[str]:
            state = deployment.index_matches_database()
            if state["missing"] or state["extra"]:
                return [f"index differs from the database: missing {state['missing']}, extra {state['extra']}"]
            return []

        def kill_node():
            es_script("node-kill", "2")
            statuses = [search_status(deployment.url)[0] for _ in range(5)]
            codes = [_post_report(deployment.url, 100 + i) for i in range(3)]
            es_script("node-start", "2")
            subprocess.run(["bash", str(ROOT / "scripts" / "es.sh"), "cluster-start"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if any(s != 200 for s in statuses) or any(c != 302 for c in codes):
                raise AssertionError(f"with one node down: searches {statuses}, reports {codes}")
            return "searches answered 200 with node 2 down; it rejoined"

        def cluster_down():
            es_script("cluster-stop")
            time.sleep(args.outage)
            status, body = search_status(deployment.url)
            codes = [_post_report(deployment.url, 200 + i) for i in range(3)]
            subprocess.run(["bash", str(ROOT / "scripts" / "es.sh"), "cluster-start"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deployment.manage("process_index_queue")
            if status != 503 or "暂时不可用" not in body or any(c != 302 for c in codes):
                raise AssertionError(f"cluster down: search {status}, reports {codes}")
            return f"cluster down {args.outage} s: search answered 503 搜索服务暂时不可用, reports saved"

        def pg_restart():
            from .deployment import ENQUEUE_SYNCS_SCRIPT, TASK_STATES_SCRIPT

            staff = StaffSession(deployment.url, "triage", plan["password"])
            worker = deployment.processes["worker"]
            failed_before = deployment.script(TASK_STATES_SCRIPT).get("FAILED", 0)
            pg_script("stop", port=args.pg_port)
            time.sleep(2)
            status, body = search_status(deployment.url)
            staff_status, staff_body = staff.get("/admin/cases/case/")
            pg_script("start", port=args.pg_port)
            time.sleep(1)
            after = search_status(deployment.url)[0]
            staff_after = staff.get("/admin/cases/case/")[0]
            if (status, staff_status) != (503, 503) or not all("服务暂时不可用" in b for b in (body, staff_body)):
                raise AssertionError(f"PostgreSQL restart: public search {status}, staff case list {staff_status}")
            if (after, staff_after) != (200, 200):
                raise AssertionError(f"after the restart: public search {after}, staff case list {staff_after}")
            # The same worker process, never restarted, drains what was queued meanwhile and after.
            enqueued = deployment.script(ENQUEUE_SYNCS_SCRIPT, "2")["enqueued"]
            started = time.monotonic()
            deployment.wait_queue_empty(timeout=60)
            drained = time.monotonic() - started
            states = deployment.script(TASK_STATES_SCRIPT)
            if worker.poll() is not None or deployment.processes.get("worker") is not worker:
                raise AssertionError(f"the task worker exited (code {worker.poll()})")
            if states.get("RUNNING") or states.get("FAILED", 0) > failed_before:
                raise AssertionError(f"tasks after the restart: {states}")
            return (f"during the restart public search and the staff case list answered 503; after it 200 "
                    f"without restarting the app; the same task worker drained {enqueued} new index updates "
                    f"in {drained:.1f} s, none failed or left running")

        def kill_worker():
            from .deployment import ENQUEUE_SYNCS_SCRIPT, TASK_STATES_SCRIPT

            deployment.stop("worker")
            deployment.script(ENQUEUE_SYNCS_SCRIPT, "20")
            deployment.start_worker("drill-worker")
            deadline = time.monotonic() + 60
            while deployment.script(TASK_STATES_SCRIPT).get("RUNNING", 0) == 0:
                if time.monotonic() > deadline:
                    raise AssertionError("the worker never started a task")
                time.sleep(0.1)
            deployment.stop("worker", signal.SIGKILL)
            orphaned = deployment.script(TASK_STATES_SCRIPT).get("RUNNING", 0)
            deployment.start_worker("drill-worker")  # requeues its own interrupted task first
            deployment.wait_queue_empty()
            states = deployment.script(TASK_STATES_SCRIPT)
            if states.get("RUNNING") or states.get("READY") or states.get("FAILED"):
                raise AssertionError(f"after the restart: {states}")
            return f"worker killed with {orphaned} task running; it ran again after the restart, none lost or failed"

        def freshness():
            from .deployment import PUBLISH_EDIT_SCRIPT
            import uuid

            token = "新鲜度" + uuid.uuid4().hex[:6]
            started = time.monotonic()
            deployment.script(PUBLISH_EDIT_SCRIPT, token)
            published = time.monotonic()
            while time.monotonic() - published < 60:
                status, body = search_status(deployment.url, token)
                if status == 200 and token in body:
                    seen = time.monotonic() - published
                    freshness_seconds.append(seen)
                    return f"a published edit was searchable {seen:.1f} s after publishing (save took {published - started:.1f} s)"
                time.sleep(0.2)
            raise AssertionError("a published edit was not searchable within 60 s")

        def same_case_two_processes():
            """Two app processes (separate gunicorns on one database) triage one case from the
            same version at the same moment: one is saved, the other is told to reload."""
            import dataclasses
            import re

            from .deployment import CASE_STATE_SCRIPT, free_port

            other = dataclasses.replace(deployment, port=free_port(), processes={})
            other.start_web()
            try:
                case = deployment.script(CASE_STATE_SCRIPT)
                path = f"/admin/cases/case/inspect/{case['pk']}/"
                sessions = [StaffSession(d.url, "triage", plan["password"]) for d in (deployment, other)]
                answers_shown = [s.get(path) for s in sessions]
                if any(code != 200 for code, _ in answers_shown):
                    raise AssertionError(f"case {case['pk']} page answered {[c for c, _ in answers_shown]} to 研判员")
                pages = [html for _, html in answers_shown]
                versions = [re.search(r'name="version" value="(\d+)"', html).group(1) for html in pages]
                if len(set(versions)) != 1:
                    raise AssertionError(f"the two processes showed different versions {versions}")
                choices = ["difficult", "expedite"]
                answers: list[tuple[int, str]] = [(0, "")] * 2
                start = threading.Barrier(2)

                def act(i: int) -> None:
                    start.wait()
                    answers[i] = sessions[i].post(path, {
                        "action": "triage", "version": versions[0],
                        "triage-classification": choices[i], "triage-blocking_cause": "legacy",
                    }, form_html=pages[i])

                threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                codes = [code for code, _ in answers]
                saved = [i for i, code in enumerate(codes) if code in (200, 302)]
                refused = [i for i, (code, body) in enumerate(answers) if code == 409 and "已被他人修改" in body]
                after = deployment.script(CASE_STATE_SCRIPT, str(case["pk"]))
                if len(saved) != 1 or len(refused) != 1:
                    raise AssertionError(f"answers {codes}: expected one saved and one told it was stale")
                if after["version"] != case["version"] + 1 or after["classification"] != choices[saved[0]]:
                    raise AssertionError(f"case after: {after} (before: {case}); saved by process {saved[0] + 1}")
                if after["timeline_entries"] != case["timeline_entries"] + 1:
                    raise AssertionError(f"{after['timeline_entries'] - case['timeline_entries']} timeline entries written, not one")
                return (f"process {saved[0] + 1} saved (HTTP {codes[saved[0]]}), process {refused[0] + 1} answered "
                        f"409 该案件已被他人修改; version {case['version']} → {after['version']}, one timeline entry")
            finally:
                other.stop_all()

        def web_workers_killed():
            """Every web worker killed twice while citizens press 提交 twice at once: each
            report the site accepted is stored exactly once, none twice."""
            outcomes: list[tuple[str, str]] = []

            def citizen(n: int) -> None:
                outcomes.append(_post_report_twice(deployment.url, n))

            killed = 0
            for round_ in range(2):
                citizens = [threading.Thread(target=citizen, args=(round_ * 10 + i,)) for i in range(6)]
                for t in citizens:
                    t.start()
                time.sleep(0.3)
                killed += _kill_web_workers(deployment.processes["web"].pid)
                for t in citizens:
                    t.join()
            deployment.wait_http("/")
            keys_file = deployment.workdir / "double-submits.json"
            keys_file.write_text(json.dumps([key for key, _ in outcomes]), encoding="utf-8")
            stored = deployment.reports_stored(keys_file)
            accepted = [key for key, outcome in outcomes if outcome == "accepted"]
            lost = [key for key, outcome in outcomes if outcome == "lost"]
            twice = [key for key, n in stored.items() if n > 1]
            missing = [key for key in accepted if stored.get(key) != 1]
            if twice or missing or lost or not accepted:
                raise AssertionError(f"double submits: {len(accepted)} accepted, {len(lost)} never answered, "
                                     f"{len(missing)} accepted but not stored, {len(twice)} stored twice")
            return (f"{killed} web workers killed in two rounds; {len(outcomes)} reports each sent twice at once: "
                    f"{len(accepted)} accepted, each stored exactly once")

        freshness_seconds: list[float] = []
        # The services first (search cluster, database), then the processes.
        for name, fault, check in [("es-node-killed", kill_node, index_ok),
                                   ("es-cluster-down", cluster_down, index_ok),
                                   ("postgresql-restarted", pg_restart, index_ok),
                                   ("worker-killed", kill_worker, index_ok),
                                   ("search-freshness", freshness, lambda: []),
                                   ("same-case-two-processes", same_case_two_processes, lambda: []),
                                   ("web-workers-killed", web_workers_killed, lambda: [])]:
            if args.only and name not in args.only:
                continue
            try:
                drill(name, fault, check)
            except Exception as exc:  # a drill that raised is a failed drill, reported with the rest
                results.append((name, False, f"{type(exc).__name__}: {exc}"))
    finally:
        deployment.stop_all()
        if not args.keep_services:
            es_script("cluster-stop")
            pg_script("stop", port=args.pg_port)
    print()
    for name, ok, detail in results:
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
    failed = sum(1 for _, ok, _ in results if not ok)
    print(f"drills: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _deployment(args, tag: str) -> Deployment:
    return Deployment(
        name=args.deployment, workdir=ROOT / "build" / "load" / args.deployment,
        database_url=args.database_url or "", es_urls=args.es_url or "", workers=args.workers,
        threads=args.threads,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.loadtest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="the field mix against one deployment")
    run.add_argument("--deployment", default="embedded", help="a name for the figures (embedded, cluster)")
    run.add_argument("--database-url", help="PostgreSQL (its database is dropped and recreated)")
    run.add_argument("--es-url", help="comma-separated Elasticsearch nodes (default: the embedded engine)")
    run.add_argument("--users", default="50", help="users at once; a comma list runs each count in turn")
    run.add_argument("--spawn-rate", type=float, default=10)
    run.add_argument("--settle", type=float, default=15,
                     help="seconds after the last user started before working hours are measured")
    run.add_argument("--seconds", type=int, default=60)
    run.add_argument("--workers", type=int, default=4)
    run.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)")
    drills = sub.add_parser("drills", help="faults during the load, each followed by a check that nothing was lost")
    drills.add_argument("--users", type=int, default=20)
    drills.add_argument("--seconds", type=int, default=30)
    drills.add_argument("--outage", type=int, default=30, help="seconds the whole cluster stays down")
    drills.add_argument("--workers", type=int, default=2)
    drills.add_argument("--pg-port", default="54339", help="a PostgreSQL of the drills' own, restarted by them")
    drills.add_argument("--keep-services", action="store_true")
    drills.add_argument("--only", action="append", metavar="DRILL", help="run only this drill (repeatable)")
    args = parser.parse_args(argv)
    return cmd_run(args) if args.cmd == "run" else cmd_drills(args)


if __name__ == "__main__":
    sys.exit(main())
