"""Tasks for the worker tests."""

import time

from django.db import OperationalError, connection
from django_tasks import task


@task()
def read_after_a_pause(n: int) -> int:
    """A step of work that reads the database after a pause, as an index update does."""
    time.sleep(0.2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s", [n])
        return cursor.fetchone()[0]


@task()
def always_a_database_error() -> None:
    """As a deadlock that never clears would: a database error every time."""
    raise OperationalError("deadlock detected")
