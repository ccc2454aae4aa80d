"""Small helpers shared by test modules (fixtures live in conftest.py files)."""

from django.test import Client


def login(user) -> Client:
    """A test client signed in as ``user``, without going through the login form."""
    client = Client()
    client.force_login(user)
    return client


# Scale-out configuration: tasks wait in the database for `manage.py db_worker`.
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


def run_db_worker() -> None:
    """Run the real task worker until the queue is empty, as `manage.py db_worker --batch` does.

    The worker installs its own SIGINT/SIGTERM handlers; put pytest's back afterwards.
    Needs a transactional test: the worker checks its connection between tasks.
    """
    import signal

    from django.core.management import call_command

    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {signum: signal.getsignal(signum) for signum in signals}
    try:
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def shown_version(case) -> dict:
    """The hidden ``version`` field a case page's action forms carry right now."""
    from cases.models import Case

    return {"version": Case.objects.values_list("version", flat=True).get(pk=case.pk)}
