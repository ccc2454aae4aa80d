"""Tables of the shared kernel."""

from django.db import models


class RateCounter(models.Model):
    """Requests one client made in one window of one limit (``kernel.ratelimit``).

    The key is a keyed hash of scope and client: no address is stored. Rows
    whose window has passed are deleted by ``manage.py prune_rate_counters``.
    """

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count}"
