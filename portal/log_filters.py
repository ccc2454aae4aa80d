"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging


class DatabaseAwayOneLine(logging.Filter):
    """django.request: a request that met the database gone logs one line, not its tracebacks.

    While PostgreSQL restarts under load every request fails the same way; two tracebacks
    each (a signed-in reader's session fails again in the session middleware) would bury the
    log. The line keeps the path and says why; any other error keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from .views import database_unavailable

        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and database_unavailable(exc):
            record.msg = f"{record.msg} (database unavailable: %s)"
            record.args = (*(record.args or ()), str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            record.exc_info = None
            record.exc_text = None
        return True
