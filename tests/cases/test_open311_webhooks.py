"""Webhooks: signed POSTs to a real HTTP server on loopback, retried with backoff, never inside the request."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.test import Client

from cases import services
from cases.models import Case
from cases.open311.models import WebhookDelivery
from tests.cases.open311_helpers import issue_key, make_system, request_params
from tests.helpers import DATABASE_TASKS, login, run_db_worker


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers each POST with the next status code in ``plan``."""

    def __init__(self, plan):
        self.plan = list(plan)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                code = receiver.plan.pop(0) if receiver.plan else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _file_and_triage(system, triage_user):
    raw = issue_key(system)[1]
    response = Client().post("/open311/v2/requests.json", request_params(raw))
    case = Case.objects.get(tracking_number=response.json()[0]["service_request_id"])
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    return case


def _verify(system, message) -> dict:
    headers = message["headers"]
    expected = "sha256=" + hmac.new(
        system.webhook_secret.encode(), headers["X-Bancheng-Timestamp"].encode() + b"." + message["body"],
        hashlib.sha256,
    ).hexdigest()
    assert hmac.compare_digest(headers["X-Bancheng-Signature"], expected)
    return json.loads(message["body"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signed_delivery_retried_by_the_task_worker(settings, hongkou, triage_user):
    settings.TASKS = DATABASE_TASKS
    settings.OPEN311_WEBHOOK_BACKOFF = (0,)
    with Receiver([500, 503, 200]) as receiver:
        system = make_system(district=hongkou, webhook_url=receiver.url)
        assert len(system.webhook_secret) == 64
        case = _file_and_triage(system, triage_user)
        # The state change returned without sending anything: the worker sends it.
        assert receiver.received == []
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING and delivery.case == case
        run_db_worker()
    delivery.refresh_from_db()
    assert len(receiver.received) == 3
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 3
    assert delivery.last_status_code == 200
    payloads = [_verify(system, m) for m in receiver.received]
    assert payloads[0] == payloads[2]
    assert payloads[0]["service_request"]["service_request_id"] == case.tracking_number
    assert payloads[0]["previous_status"] == "registered" and payloads[0]["case_status"] == "triaged"
    assert "王小明" not in receiver.received[0]["body"].decode() and "13812345678" not in receiver.received[0][
        "body"].decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_tampered_body_fails_the_signature(settings, hongkou, triage_user):
    settings.TASKS = DATABASE_TASKS
    with Receiver([200]) as receiver:
        system = make_system(district=hongkou, webhook_url=receiver.url)
        _file_and_triage(system, triage_user)
        run_db_worker()
    message = dict(receiver.received[0])
    message["body"] = message["body"].replace(b"triaged", b"closed")
    with pytest.raises(AssertionError):
        _verify(system, message)


def test_immediate_backend_leaves_sending_to_the_command_with_backoff(settings, hongkou, triage_user, db):
    settings.OPEN311_WEBHOOK_BACKOFF = (60, 300)
    with Receiver([500, 200]) as receiver:
        system = make_system(district=hongkou, webhook_url=receiver.url)
        _file_and_triage(system, triage_user)
        assert receiver.received == []  # not sent inside the request
        call_command("send_webhooks", stdout=open("/dev/null", "w"))
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == 1 and delivery.status == WebhookDelivery.Status.PENDING
        assert 55 <= (delivery.next_attempt_at - delivery.created_at).total_seconds() <= 65
        call_command("send_webhooks", stdout=open("/dev/null", "w"))  # not due yet
        assert len(receiver.received) == 1
        WebhookDelivery.objects.update(next_attempt_at=delivery.created_at)
        call_command("send_webhooks", stdout=open("/dev/null", "w"))
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and len(receiver.received) == 2


def test_gives_up_after_the_last_attempt_and_only_for_its_own_cases(settings, hongkou, triage_user, window_user,
                                                                     hall, db):
    settings.OPEN311_WEBHOOK_BACKOFF = (0,)
    with Receiver([500] * 10) as receiver:
        system = make_system(district=hongkou, webhook_url=receiver.url)
        _file_and_triage(system, triage_user)
        counter_case = services.case_register(author=window_user, channel=Case.Channel.COUNTER, hall=hall,
                                              reporter_name="赵某", reporter_phone="13900000000",
                                              matter="窗口登记的案件不推送")
        services.case_triage(case=counter_case, author=triage_user, classification="difficult",
                             blocking_cause="legacy")
        for _ in range(8):
            call_command("send_webhooks", stdout=open("/dev/null", "w"))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 6
    assert len(receiver.received) == 6 and delivery.last_status_code == 500


def test_the_delivery_log_reads_in_chinese_and_local_time(settings, hongkou, triage_user, db):
    from django.contrib.auth.models import User
    from django.utils import timezone

    settings.OPEN311_WEBHOOK_BACKOFF = (60,)
    with Receiver([503]) as receiver:
        system = make_system(district=hongkou, webhook_url=receiver.url)
        case = _file_and_triage(system, triage_user)
        call_command("send_webhooks", stdout=open("/dev/null", "w"))
    delivery = WebhookDelivery.objects.get()
    client = login(User.objects.create_superuser("root", "root@example.com", "pw-123456"))
    listing = client.get("/admin/integrations/deliveries/").content.decode()
    page = client.get(f"/admin/integrations/deliveries/inspect/{delivery.pk}/").content.decode()
    retry_at = timezone.localtime(delivery.next_attempt_at).strftime("%H:%M")
    for html in (listing, page):
        assert case.tracking_number in html and "案件状态变化" in html and "待重试" in html
        assert "service_request.status_changed</td>" not in html
        assert retry_at in html  # Shanghai time, as every other admin page shows it
        assert ">None<" not in html.replace(" ", "").replace("\n", "")
    assert "503" in listing
    assert '<pre class="webhook-payload">' in page and "&quot;service_request_id&quot;" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_task_worker_the_command_only_sends_what_it_left_overdue(settings, hongkou, triage_user):
    """The timer runs everywhere; it must not race the worker for a delivery that is just due."""
    import datetime

    settings.TASKS = DATABASE_TASKS
    with Receiver([200, 200]) as receiver:
        system = make_system(district=hongkou, webhook_url=receiver.url)
        _file_and_triage(system, triage_user)
        call_command("send_webhooks", stdout=open("/dev/null", "w"))
        assert receiver.received == []  # the worker's job
        delivery = WebhookDelivery.objects.get()
        # The worker was stuck: eleven minutes later the command sends it.
        WebhookDelivery.objects.update(next_attempt_at=delivery.next_attempt_at - datetime.timedelta(minutes=11))
        call_command("send_webhooks", stdout=open("/dev/null", "w"))
    delivery.refresh_from_db()
    assert len(receiver.received) == 1 and delivery.status == WebhookDelivery.Status.DELIVERED
    assert receiver.received[0]["headers"]["X-Bancheng-Delivery"] == str(delivery.pk)
