"""The task worker drains its queue again by itself after the database went away,
and retries a task that failed with a database error a few times, not forever.

A real `manage.py db_worker` process, configured as in production, on a PostgreSQL
database of its own: its connections are terminated (pg_terminate_backend) and new
ones refused for a few seconds while it works, as while PostgreSQL restarts. The
restart under load is the fault drill `postgresql-restarted` (`python -m portal.loadtest drills`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django_tasks_db.models import DBTaskResult

from tests.helpers import DATABASE_TASKS, run_db_worker
from tests.portal.worker_tasks import always_a_database_error

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BANCHENG_TEST_PG", "postgres://bancheng@127.0.0.1:54329")
TASKS = 12


def _statuses(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status").fetchall()
    return dict(rows)


def _cut(name: str, *, allow: bool) -> None:
    """Refuse (or allow again) new connections to ``name`` and end the ones it has."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
        if not allow:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])


@pytest.fixture
def worker_database(tmp_path):
    name = f"bancheng_worker_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench", "DATABASE_URL": f"{PG}/{name}",
        "BANCHENG_TASK_BACKEND": "django_tasks_db.backend.DatabaseBackend", "BANCHENG_VAR_DIR": str(tmp_path),
        "BANCHENG_SEARCH_ENGINE": "embedded", "PYTHONUNBUFFERED": "1",
    }
    try:
        # One process: the queue's table, then the tasks waiting in it.
        subprocess.run(
            [sys.executable, "-c", "import django; django.setup();"
             "from django.core.management import call_command;"
             "call_command('migrate', 'django_tasks_database', verbosity=0);"
             "from tests.portal.worker_tasks import read_after_a_pause;"
             f"[read_after_a_pause.enqueue(n) for n in range({TASKS})]"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
        )
        yield name, env
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_worker_drains_its_queue_after_its_connections_were_cut(worker_database, tmp_path):
    name, env = worker_database
    url = f"{PG}/{name}"
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--worker-id", "test-worker",
         "--no-startup-delay"], cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while _statuses(url).get("SUCCESSFUL", 0) < 2:  # at work, between tasks or inside one
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
        _cut(name, allow=False)
        time.sleep(3)  # new connections refused meanwhile, as while the server restarts
        _cut(name, allow=True)
        deadline = time.monotonic() + 30
        while (statuses := _statuses(url)).get("SUCCESSFUL", 0) < TASKS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert statuses == {"SUCCESSFUL": TASKS}, f"{statuses}\n{log.read_text()[-3000:]}"
        assert worker.poll() is None, "the worker exited instead of waiting for the database"
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_task_failing_with_a_database_error_runs_a_few_times_then_stays_failed(settings):
    from portal.home.management.commands.db_worker import MAX_ATTEMPTS

    settings.TASKS = DATABASE_TASKS
    always_a_database_error.enqueue()
    run_db_worker()  # returns only once nothing is left to run: no endless retry
    row = DBTaskResult.objects.get()
    assert row.status == "FAILED"
    assert row.exception_class_path == "django.db.utils.OperationalError"
    assert len(row.worker_ids) == MAX_ATTEMPTS
