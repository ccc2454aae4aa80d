"""The servers a load or fault run drives: gunicorn (N workers) and the task worker,
on a fresh demo database, configured by environment variables alone, as an operator
would (portal.settings.bench: production settings on loopback).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

PLAN_SCRIPT = r"""
import json
import django
django.setup()
from django.contrib.auth import get_user_model
from cases.models import Case, ServiceHall
from knowledge.models import District, PolicyTransitionGuidePage, SolutionArticlePage, TopicIndexPage
plan = {
    "topics": [p.url for p in TopicIndexPage.objects.live()],
    "topic_slugs": [p.slug for p in TopicIndexPage.objects.live()],
    "articles": [p.url for p in SolutionArticlePage.objects.live()],
    "guides": [p.url for p in PolicyTransitionGuidePage.objects.live()],
    "districts": [str(d.pk) for d in District.objects.all()],
    "cases": list(Case.objects.order_by("pk").values_list("pk", flat=True)),
    "tracking": [[c.tracking_number, c.reporter_phone[-4:]] for c in Case.objects.exclude(reporter_phone="")],
    "hall": str(ServiceHall.objects.filter(name__contains="虹口").values_list("pk", flat=True).first() or ""),
}
print(json.dumps(plan, ensure_ascii=False))
"""

REPORTS_SCRIPT = r"""
import json, sys
import django
django.setup()
from django.db.models import Count
from cases.models import Case
from cases.services import online_report_key
keys = json.load(open(sys.argv[1], encoding="utf-8"))
stored = {online_report_key(key): key for key in keys}
counts = dict(
    Case.objects.filter(idempotency_key__in=list(stored)).values_list("idempotency_key")
    .annotate(n=Count("pk")).values_list("idempotency_key", "n")
)
print(json.dumps({key: counts.get(stored_key, 0) for stored_key, key in stored.items()}))
"""

TASK_STATES_SCRIPT = r"""
import json
import django
django.setup()
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
print(json.dumps(dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))))
"""

ENQUEUE_SYNCS_SCRIPT = r"""
import json, sys
import django
django.setup()
from search import sources
from search.tasks import sync_documents_task
docs = [d for d in sources.iter_all_documents()]
by_type = {}
for d in docs:
    by_type.setdefault(d.doc_type, []).append(d.doc_id)
n = 0
for _ in range(int(sys.argv[1])):
    for doc_type, ids in by_type.items():
        sync_documents_task.enqueue(doc_type, ids)
        n += 1
print(json.dumps({"enqueued": n}))
"""

PUBLISH_EDIT_SCRIPT = r"""
import json, sys
import django
django.setup()
from knowledge.models import SolutionArticlePage
page = SolutionArticlePage.objects.live().order_by("pk").first().specific
page.title = page.title.split("（")[0] + f"（{sys.argv[1]}）"
page.save_revision().publish()
print(json.dumps({"page": page.pk}))
"""

INDEX_CHECK_SCRIPT = r"""
import json
import django
django.setup()
from search import sources
from search.engines import get_engine
from search.indexing import process_pending
engine = get_engine()
process_pending(engine=engine)
expected = {f"{d.doc_type}:{d.doc_id}" for d in sources.iter_all_documents()}
engine.client.indices.refresh(index=engine.alias)
found = set()
resp = engine.client.search(index=engine.alias, size=10000, source=False, query={"match_all": {}})
found = {hit["_id"] for hit in resp["hits"]["hits"]}
print(json.dumps({"expected": len(expected), "found": len(found),
                  "missing": sorted(expected - found)[:20], "extra": sorted(found - expected)[:20]}))
"""

CASE_STATE_SCRIPT = r"""
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from cases.models import Case, TimelineEntry
from cases.selectors import visible_cases_for
if len(sys.argv) > 1:
    case = Case.objects.get(pk=int(sys.argv[1]))
else:  # the newest case the demo's 研判员 may open that still waits to be triaged
    triage = get_user_model().objects.get(username="triage")
    case = visible_cases_for(triage).filter(status=Case.Status.REGISTERED).order_by("-pk").first()
entries = TimelineEntry.objects.filter(case=case).count()
print(json.dumps({"pk": case.pk, "version": case.version, "classification": case.classification,
                  "timeline_entries": entries}))
"""

QUERIES = ["营业执照", "简易注销", "企业注销", "社保", "公积金", "身份证", "不动产登记", "食品经营许可",
           "税务", "迁移", "医保", "户籍", "退休", "容缺受理", "个体工商户", "企业开办"]
MATTERS = [
    "企业简易注销时系统提示法定代表人身份信息不一致，无法提交。",
    "申请食品经营许可证，窗口说场地证明不符合要求，办不下来。",
    "公司迁移到外区，税务清税一直显示未完成，无法办理变更。",
    "外地户籍老人办理医保异地备案，窗口让回原籍开证明。",
    "个体工商户转为企业，原来的许可证不知道怎么延续。",
    "不动产登记时继承人有一人在国外，无法到场签字。",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


@dataclass
class Deployment:
    """One deployment under test: its environment, database, and running processes."""

    name: str
    workdir: Path
    database_url: str = ""
    es_urls: str = ""
    es_replicas: int = 1
    workers: int = 4
    threads: int = 1
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.bench",
            BANCHENG_VAR_DIR=str(self.workdir / "var"),
            CACHE_LOCATION=str(self.workdir / "var" / "cache"),
            # The proxy in front sets X-Real-IP; rate limits count per reader, not per proxy.
            BANCHENG_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
            BANCHENG_TASK_BACKEND="django_tasks_db.backend.DatabaseBackend",
            PYTHONUNBUFFERED="1",
        )
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.es_urls:
            env.update(
                BANCHENG_SEARCH_ENGINE="elasticsearch",
                BANCHENG_ES_URL=self.es_urls,
                BANCHENG_ES_INDEX_PREFIX=f"load-{self.name}",
                BANCHENG_ES_SHARDS="2",
                BANCHENG_ES_REPLICAS=str(self.es_replicas),
            )
        else:
            env["BANCHENG_SEARCH_ENGINE"] = "embedded"
        return env

    def manage(self, *args: str, capture: bool = False, check: bool = True) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(),
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        if check and result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout or ""

    def script(self, source: str, *args: str) -> dict:
        out = subprocess.run(
            [PYTHON, "-c", source, *args], cwd=ROOT, env=self.env(), check=True,
            stdout=subprocess.PIPE, text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def prepare(self) -> dict:
        """A fresh database with the demo, the index rebuilt, static files collected; returns the plan."""
        shutil.rmtree(self.workdir, ignore_errors=True)
        (self.workdir / "var").mkdir(parents=True)
        if self.database_url:
            _recreate_pg_database(self.database_url)
        log(f"{self.name}: migrate, demo, static files, index")
        self.manage("migrate", "--noinput")
        self.manage("load_demo")
        self.manage("collectstatic", "--noinput")
        self.manage("rebuild_search_index")
        plan = self.script(PLAN_SCRIPT)
        plan.update(queries=QUERIES, matters=MATTERS, staff=["window", "triage", "dept"],
                    registrar="window", password="bancheng-demo")
        return plan

    def start_web(self) -> None:
        log(f"{self.name}: gunicorn with {self.workers} workers × {self.threads} threads on {self.url}")
        self.processes["web"] = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "portal.wsgi", "--workers", str(self.workers), "--threads", str(self.threads),
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5",
             "--log-level", "warning"],
            cwd=ROOT, env=self.env(), start_new_session=True,
        )
        self.wait_http("/")

    def warm_up(self, plan: dict) -> None:
        """First requests load jieba's dictionary and the models in each worker: not what a reader waits for."""
        paths = ["/", "/search/?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7", "/report/", "/report/status/", "/admin/login/"]
        paths += [u for u in plan["articles"][:2] + plan["topics"][:1] + plan["guides"][:1] if u]
        for _ in range(self.workers * 3):
            for path in paths:
                try:
                    urllib.request.urlopen(self.url + path, timeout=60).read()
                except (urllib.error.URLError, OSError):
                    pass

    def start_worker(self, worker_id: str = "loadtest-worker") -> None:
        # As the systemd unit does: first put back what this worker had claimed when it last died.
        self.manage("requeue_interrupted_tasks", "--worker-id", worker_id)
        self.processes["worker"] = subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--interval", "0.2", "--worker-id", worker_id],
            cwd=ROOT, env=self.env(), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=open(self.workdir / "worker.log", "a"),
        )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.processes.pop(name, None)
        if proc and proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def wait_http(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.url}{path} did not answer within {timeout:.0f} s")

    def wait_queue_empty(self, timeout: float = 120) -> None:
        """Until the task worker has run every queued task (index updates, mail)."""
        source = (
            "import django, json; django.setup();"
            "from django_tasks_db.models import DBTaskResult;"
            "print(json.dumps({'waiting': DBTaskResult.objects.filter(status='READY').count()}))"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.script(source)["waiting"] == 0:
                return
            time.sleep(1)
        raise RuntimeError(f"task queue not empty after {timeout:.0f} s")

    def reports_stored(self, keys_file: Path) -> dict[str, int]:
        return self.script(REPORTS_SCRIPT, str(keys_file))

    def index_matches_database(self) -> dict:
        return self.script(INDEX_CHECK_SCRIPT)


def _recreate_pg_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
