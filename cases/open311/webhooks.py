"""Outgoing webhooks: a signed POST to an integrating system when a case it filed changes state.

The state change only writes a ``WebhookDelivery`` row (in the same transaction);
sending happens later, never inside the user's request:

- with a task backend that can defer (the database backend and ``db_worker``), a
  task sends it after commit and re-enqueues itself with a growing delay on failure;
- with the immediate backend (embedded setup), ``manage.py send_webhooks`` (every
  minute) sends what is due, with the same backoff; with a deferring backend the same
  command only sends what the worker left more than ``DEFERRED_GRACE`` overdue.

Delivery is at least once: a receiver can tell a repeat by ``X-Bancheng-Delivery``.

Signature: ``X-Bancheng-Signature: sha256=<hex>``, the HMAC-SHA256 with the system's
secret of ``"<X-Bancheng-Timestamp>." + body``; receivers should also refuse old timestamps.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.open311.models import WebhookDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Seconds to wait after the 1st, 2nd … failed attempt.
DEFAULT_BACKOFF = (60, 300, 900, 3600, 6 * 3600)
TIMEOUT = 5
EVENT_STATUS_CHANGED = "service_request.status_changed"


def backoff(attempts: int) -> int:
    steps = getattr(settings, "OPEN311_WEBHOOK_BACKOFF", DEFAULT_BACKOFF)
    return steps[min(attempts, len(steps)) - 1]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def record_status_change(case, old_status: str) -> WebhookDelivery | None:
    """Inside the state change's transaction: queue a delivery if the filing system wants one."""
    from cases.open311.selectors import request_dict

    system = case.api_key.system if case.api_key_id else None
    if system is None or not system.webhook_url:
        return None
    payload = {
        "event": EVENT_STATUS_CHANGED,
        "previous_status": old_status,
        "case_status": case.status,
        "service_request": request_dict(case, key=case.api_key),
    }
    delivery = WebhookDelivery.objects.create(
        system=system, case=case, event=EVENT_STATUS_CHANGED, url=system.webhook_url,
        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True), next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: schedule(delivery.pk))
    return delivery


def _can_defer() -> bool:
    from django_tasks import default_task_backend

    return bool(getattr(default_task_backend, "supports_defer", False))


def schedule(delivery_id: int, run_after: datetime.datetime | None = None) -> bool:
    """Hand the delivery to a deferring task backend; False means the command will send it."""
    if not _can_defer():
        return False
    from cases.tasks import deliver_webhook_task

    task = deliver_webhook_task.using(run_after=run_after) if run_after else deliver_webhook_task
    task.enqueue(delivery_id)
    return True


def attempt(delivery_id: int) -> WebhookDelivery | None:
    """One attempt to send a pending delivery; records the outcome and what happens next."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update().select_related("system")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first()
        )
        if delivery is None:
            return None
        # Claim the attempt first, so a second worker holding the same id does nothing.
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    body = delivery.payload.encode("utf-8")
    timestamp = str(int(timezone.now().timestamp()))
    request = urllib.request.Request(
        delivery.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Bancheng-Webhook/1",
            "X-Bancheng-Event": delivery.event,
            "X-Bancheng-Delivery": str(delivery.pk),
            "X-Bancheng-Timestamp": timestamp,
            "X-Bancheng-Signature": sign(delivery.system.webhook_secret, timestamp, body),
        },
    )
    code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:300]
    now = timezone.now()
    delivery.last_status_code = code
    delivery.last_error = error
    if code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + datetime.timedelta(seconds=backoff(delivery.attempts))
    delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_status_code", "last_error"])
    logger.info("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, delivery.status)
    if delivery.status == WebhookDelivery.Status.PENDING:
        schedule(delivery.pk, run_after=delivery.next_attempt_at)
    return delivery


# With a deferring backend the task worker sends each delivery on time; the command (its
# timer runs everywhere) only picks up what the worker left this long overdue, e.g. while it
# was stuck, so the two do not race for the same delivery.
DEFERRED_GRACE = datetime.timedelta(minutes=10)


def send_due(now: datetime.datetime | None = None, *, grace: datetime.timedelta | None = None) -> dict:
    """Every pending delivery whose time has come (the command's work); counts by outcome."""
    now = now or timezone.now()
    if grace is None:
        grace = DEFERRED_GRACE if _can_defer() else datetime.timedelta(0)
    counts = {"delivered": 0, "failed": 0, "retry": 0}
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - grace)
    for pk in due.order_by("next_attempt_at", "pk").values_list("pk", flat=True):
        delivery = attempt(pk)
        if delivery is None:
            continue
        key = {"delivered": "delivered", "failed": "failed"}.get(delivery.status, "retry")
        counts[key] += 1
    return counts
