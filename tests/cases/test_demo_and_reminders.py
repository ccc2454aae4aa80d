import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.http import HttpRequest
from django.core.management import call_command

from cases import demo, selectors, services
from cases.models import Case, MissingMaterial
from knowledge import demo as knowledge_demo

from tests.helpers import DATABASE_TASKS, run_db_worker

from .conftest import future


def test_demo_is_idempotent_and_covers_states(db):
    knowledge_demo.load()
    demo.load()
    first = Case.objects.count()
    out = io.StringIO()
    demo.load(stdout=out)
    assert Case.objects.count() == first == 9
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"archived", "closed", "in_progress", "registered"} <= statuses
    assert Case.objects.filter(classification="out_of_scope", outcome="referred").exists()
    assert MissingMaterial.objects.filter(status="outstanding").exists()
    assert selectors.overdue_cases().exists()
    assert "window" in out.getvalue() and "bancheng-demo" in out.getvalue()
    for username in ("window", "triage", "dept", "supervisor"):
        assert authenticate(HttpRequest(), username=username, password="bancheng-demo") is not None
    dept = authenticate(HttpRequest(), username="dept", password="bancheng-demo")
    assert dept.case_profile.department.name == "虹口区市场监督管理局"
    assert selectors.visible_cases_for(dept).count() == 3
    # 一类事 has something to show: the former-tenant class of the seed article.
    from cases.class_report import recurring_classes_for

    rows = recurring_classes_for(user=authenticate(HttpRequest(), username="triage", password="bancheng-demo"))
    assert [len(row.case_class.members) for row in rows] == [3]
    assert rows[0].case_class.above_threshold


def test_reminders_mail_without_personal_data(dispatched_case, triage_user, dept_user, window_user):
    Case.objects.filter(pk=dispatched_case.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    services.material_add(case=dispatched_case, author=window_user, name="身份证原件",
                          promised_date=datetime.date.today(), supply_method="mail")
    out = io.StringIO()
    call_command("send_case_reminders", stdout=out)
    recipients = {m.to[0] for m in mail.outbox}
    assert triage_user.email in recipients and dept_user.email in recipients
    for message in mail.outbox:
        assert dispatched_case.tracking_number in message.body
        assert "张某某" not in message.subject + message.body
        assert "13800001234" not in message.subject + message.body
    triage_mail = next(m for m in mail.outbox if m.to == [triage_user.email])
    assert "已超期" in triage_mail.body and "身份证原件" in triage_mail.body
    assert dispatched_case.timeline.filter(kind="reminder").exists()
    # The material reminder is not repeated on the same day.
    mail.outbox.clear()
    call_command("send_case_reminders", stdout=out)
    assert all("身份证原件" not in m.body for m in mail.outbox)


def test_due_soon_selector(dispatched_case):
    Case.objects.filter(pk=dispatched_case.pk).update(deadline=future(0))
    assert selectors.due_soon_cases().filter(pk=dispatched_case.pk).exists()
    assert not selectors.overdue_cases().filter(pk=dispatched_case.pk).exists()


def test_rectification_reminders_reach_coordinators_then_verifiers(dispatched_case, triage_user, supervisor):
    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="办成")
    services.case_rate(case=dispatched_case, rating=1, comment="张某某说跑了三次")
    rect = dispatched_case.rectifications.get()

    mail.outbox = []
    call_command("send_case_reminders", stdout=io.StringIO())
    assert not any("差评整改" in m.body for m in mail.outbox)  # not due yet

    late = rect.deadline + datetime.timedelta(days=1)
    mail.outbox = []
    from cases.reminders import send_case_reminders

    assert send_case_reminders(today=late)["rectifications"] == 1
    overdue = [m for m in mail.outbox if "差评整改已超期" in m.body]
    assert [m.to for m in overdue] == [[triage_user.email]]

    services.rectification_submit(rectification=rect, author=triage_user, result="已改进告知方式")
    mail.outbox = []
    send_case_reminders(today=late)
    waiting = [m for m in mail.outbox if "待验收" in m.body]
    assert [m.to for m in waiting] == [[supervisor.email]]
    for message in mail.outbox:
        assert "张某某" not in message.subject + message.body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reminders_queued_for_the_task_worker(settings, dispatched_case, triage_user):
    settings.TASKS = DATABASE_TASKS
    Case.objects.filter(pk=dispatched_case.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    out = io.StringIO()
    call_command("send_case_reminders", stdout=out)
    assert "已排队" in out.getvalue() and mail.outbox == []

    run_db_worker()
    triage_mail = next(m for m in mail.outbox if m.to == [triage_user.email])
    assert dispatched_case.tracking_number in triage_mail.body and "已超期" in triage_mail.body


def test_reminder_command_reports_counts_in_chinese(dispatched_case):
    Case.objects.filter(pk=dispatched_case.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    out = io.StringIO()
    call_command("send_case_reminders", stdout=out)
    assert "已发送提醒：超期 1" in out.getvalue()
