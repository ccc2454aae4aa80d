"""Two identical Open311 requests with the same Idempotency-Key at the same moment.

The second one must answer with the first one's case and write nothing: no second case,
filing note or registration entry. On PostgreSQL the second request really does pass the
"already filed?" check and wait on the key's unique index; on SQLite the transactions queue.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from cases.models import Case, TimelineEntry
from cases.open311 import services as open311_services
from tests.cases.open311_helpers import issue_key, make_system


def _file(key, district):
    return open311_services.case_file_through_key(
        key=key, district=district, reporter_name="王小明", reporter_phone="13812345678",
        matter="店铺前租户没有注销营业执照，新办执照一直办不下来",
        idempotency_key=f"k{key.pk}:retry-1", extras={"address": "虹口区四川北路1号"},
    )


def _wait_until_another_session_waits_on_a_lock(timeout=10.0):
    """PostgreSQL: until the second request is blocked on the idempotency key's index entry."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction the statistics views are a snapshot taken once: renew it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the second request never waited for the first one")


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeat_of_an_idempotency_key_writes_one_case_and_one_filing_note(hongkou):
    key, _raw = issue_key(make_system(district=hongkou))
    first_written = threading.Event()
    results, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = _file(key, hongkou)
                first_written.set()
                # Hold the transaction open while the repeat arrives.
                if connection.vendor == "postgresql":
                    _wait_until_another_session_waits_on_a_lock()
                else:
                    time.sleep(0.3)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
            first_written.set()
        finally:
            connection.close()

    def second():
        try:
            first_written.wait(10)
            results["second"] = _file(key, hongkou)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert results["first"].pk == results["second"].pk
    case = Case.objects.get()
    assert case.tracking_number == results["second"].tracking_number
    entries = TimelineEntry.objects.filter(case=case)
    assert entries.filter(kind=TimelineEntry.Kind.INTERNAL_NOTE, text__startswith="接口提交").count() == 1
    assert entries.filter(kind=TimelineEntry.Kind.REGISTERED).count() == 1
    assert entries.count() == 2
