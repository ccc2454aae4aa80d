import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Case, Dispatch, MissingMaterial, Rectification, TimelineEntry

from .conftest import future, register


def kinds(case):
    return list(case.timeline.values_list("kind", flat=True))


def test_register_assigns_tracking_number_and_logs(case, window_user):
    assert case.tracking_number.startswith(f"BCS-{datetime.date.today().year}-")
    assert len(case.tracking_number) == len("BCS-2026-000001")
    entry = case.timeline.get()
    assert entry.kind == TimelineEntry.Kind.REGISTERED and entry.author == window_user


def test_register_converts_15_digit_id(window_user, hall):
    case = register(window_user, hall, reporter_id_number="310229750812153")
    assert len(case.reporter_id_number) == 18
    assert case.reporter_id_number.startswith("3102291975")


def test_register_bad_id_saves_nothing(window_user, hall):
    before = (Case.objects.count(), TimelineEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        register(window_user, hall, reporter_id_number="310109199003071230")
    assert "校验位" in str(exc.value)
    assert (Case.objects.count(), TimelineEntry.objects.count()) == before


def test_register_bad_material_rolls_back_case(window_user, hall):
    before = Case.objects.count()
    with pytest.raises(ValidationError):
        register(
            window_user, hall,
            materials=[{"name": "身份证原件", "promised_date": datetime.date(2000, 1, 1), "supply_method": "mail"}],
        )
    assert Case.objects.count() == before


def test_timeline_is_immutable(case):
    entry = case.timeline.first()
    entry.text = "篡改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        TimelineEntry.objects.filter(pk=entry.pk).update(text="篡改")
    with pytest.raises(PermissionError):
        TimelineEntry.objects.filter(pk=entry.pk).delete()
    assert TimelineEntry.objects.get(pk=entry.pk).text != "篡改"


def test_concurrent_intake_edit_is_refused(case, window_user, triage_user):
    loaded_version = case.version
    services.case_update_intake(case=case, author=triage_user, expected_version=loaded_version,
                                matter="第一位工作人员的修改")
    with pytest.raises(ValidationError) as exc:
        services.case_update_intake(case=case, author=window_user, expected_version=loaded_version,
                                    matter="第二位工作人员的修改")
    assert "该案件已被他人修改，请刷新后重试" in str(exc.value)
    case.refresh_from_db()
    assert case.matter == "第一位工作人员的修改"


def test_triage_requires_rule_and_alternative_for_cannot(case, triage_user):
    with pytest.raises(ValidationError) as exc:
        services.case_triage(case=case, author=triage_user, classification="cannot", blocking_cause="other")
    assert "法律法规" in str(exc.value) and "替代途径" in str(exc.value)
    case.refresh_from_db()
    assert case.classification == "" and case.status == Case.Status.REGISTERED


def test_triage_out_of_scope_requires_referral(case, triage_user):
    with pytest.raises(ValidationError):
        services.case_triage(case=case, author=triage_user, classification="out_of_scope", blocking_cause="other")
    services.case_triage(case=case, author=triage_user, classification="out_of_scope", blocking_cause="other",
                         referred_to="街道", referral_reason="物业管理事项")
    case.refresh_from_db()
    assert case.status == Case.Status.TRIAGED and case.deadline


def test_expedite_deadline_shorter_than_difficult(case, triage_user, window_user, hall):
    services.case_triage(case=case, author=triage_user, classification="expedite", blocking_cause="other")
    other = register(window_user, hall)
    services.case_triage(case=other, author=triage_user, classification="difficult", blocking_cause="other")
    case.refresh_from_db(); other.refresh_from_db()
    assert case.deadline < other.deadline


def test_dispatch_lead_and_co(dispatched_case, market_dept, tax_dept):
    roles = {d.department_id: d.role for d in dispatched_case.dispatches.all()}
    assert roles == {market_dept.pk: Dispatch.Role.LEAD, tax_dept.pk: Dispatch.Role.CO}
    assert dispatched_case.status == Case.Status.IN_PROGRESS


def test_return_requires_reason(dispatched_case, tax_user):
    dispatch = dispatched_case.dispatches.get(role="co")
    with pytest.raises(ValidationError) as exc:
        services.dispatch_return(dispatch=dispatch, author=tax_user, reason="  ")
    assert "理由" in str(exc.value)
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.PENDING


def test_three_returns_escalate_and_mail_supervisors(dispatched_case, triage_user, tax_user, supervisor,
                                                     tax_dept, housing_dept, market_dept, django_capture_on_commit_callbacks):
    from knowledge.models import Department

    other = Department.objects.create(name="虹口区民政局", slug="hk-mz", district=tax_dept.district)
    dispatch = dispatched_case.dispatches.get(role="co")
    targets = [housing_dept, other, tax_dept]
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            services.dispatch_return(dispatch=dispatch, author=tax_user, reason=f"不属于本部门职责 {i}")
            case = Case.objects.get(pk=dispatched_case.pk)
            if i < 2:
                assert not case.escalated
                dispatch = services.dispatch_reassign(dispatch=dispatch, author=triage_user, department=targets[i])
    case = Case.objects.get(pk=dispatched_case.pk)
    assert case.return_count == 3 and case.escalated
    assert TimelineEntry.Kind.ESCALATION in kinds(case)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [supervisor.email]
    assert case.tracking_number in mail.outbox[0].subject
    assert case.reporter_name not in mail.outbox[0].subject + mail.outbox[0].body
    assert case.reporter_phone not in mail.outbox[0].body


def test_close_refused_with_outstanding_material(dispatched_case, triage_user, window_user):
    material = services.material_add(case=dispatched_case, author=window_user, name="身份证原件",
                                     promised_date=future(3), supply_method="mail")
    with pytest.raises(ValidationError) as exc:
        services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="已办成")
    assert "仍有容缺材料未补齐：身份证原件" in str(exc.value)
    assert Case.objects.get(pk=dispatched_case.pk).status == Case.Status.IN_PROGRESS
    with pytest.raises(ValidationError):
        services.material_waive(material=material, author=triage_user, reason="")
    services.material_waive(material=material, author=triage_user, reason="已远程核验")
    case = services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="已办成")
    assert case.status == Case.Status.CLOSED
    assert MissingMaterial.objects.get(pk=material.pk).status == MissingMaterial.Status.WAIVED


def test_bad_rating_opens_rectification(dispatched_case, triage_user):
    services.case_close(case=dispatched_case, author=triage_user, outcome="partial", resolution_summary="部分办成")
    services.case_rate(case=dispatched_case, rating=1, comment="跑了三次")
    rect = Rectification.objects.get(case=dispatched_case)
    assert rect.deadline > datetime.date.today() and rect.status == Rectification.Status.OPEN
    with pytest.raises(ValidationError):
        services.case_rate(case=dispatched_case, rating=5)


def test_rectification_is_verified_by_someone_else(dispatched_case, triage_user, supervisor):
    services.case_close(case=dispatched_case, author=triage_user, outcome="partial", resolution_summary="部分办成")
    services.case_rate(case=dispatched_case, rating=1, comment="跑了三次")
    rect = Rectification.objects.get(case=dispatched_case)
    with pytest.raises(ValidationError):
        services.rectification_verify(rectification=rect, author=supervisor, accepted=True)  # nothing submitted
    rect = services.rectification_submit(rectification=rect, author=triage_user, result="窗口一次告知全部材料")
    assert rect.status == Rectification.Status.SUBMITTED and rect.submitted_by == triage_user
    with pytest.raises(ValidationError):
        services.rectification_submit(rectification=rect, author=triage_user, result="再交一次")
    with pytest.raises(ValidationError) as exc:
        services.rectification_verify(rectification=rect, author=triage_user, accepted=True)
    assert "不能验收自己提交的整改结果" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.rectification_verify(rectification=rect, author=supervisor, accepted=False, note=" ")
    assert "退回重新整改必须写明理由" in str(exc.value)
    assert Rectification.objects.get(pk=rect.pk).status == Rectification.Status.SUBMITTED

    rect = services.rectification_verify(rectification=rect, author=supervisor, accepted=False, note="没有说明整改措施")
    assert (rect.status, rect.return_count) == (Rectification.Status.OPEN, 1)
    rect = services.rectification_submit(rectification=rect, author=triage_user, result="已修订一次性告知单")
    rect = services.rectification_verify(rectification=rect, author=supervisor, accepted=True)
    assert rect.status == Rectification.Status.DONE and rect.verified_by == supervisor
    texts = list(dispatched_case.timeline.filter(kind="rectification").values_list("text", flat=True))
    assert any("退回重新整改" in t for t in texts) and any("验收通过" in t for t in texts)


def test_good_rating_opens_no_rectification(dispatched_case, triage_user):
    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="办成")
    services.case_rate(case=dispatched_case, rating=4)
    assert not Rectification.objects.exists()


def test_rating_before_closure_refused(dispatched_case):
    with pytest.raises(ValidationError) as exc:
        services.case_rate(case=dispatched_case, rating=5)
    assert "办结后" in str(exc.value)


def test_reopen_and_archive(dispatched_case, triage_user):
    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="办成")
    with pytest.raises(ValidationError):
        services.case_reopen(case=dispatched_case, author=triage_user, reason="")
    case = services.case_reopen(case=dispatched_case, author=triage_user, reason="反映人称仍未办成")
    assert case.status == Case.Status.REOPENED
    with pytest.raises(ValidationError):
        services.case_archive(case=case, author=triage_user)
    services.case_close(case=case, author=triage_user, outcome="done", resolution_summary="再次办结")
    case = services.case_archive(case=case, author=triage_user)
    assert case.status == Case.Status.ARCHIVED


def test_extension_needs_reason_and_approval(dispatched_case, dept_user, triage_user):
    with pytest.raises(ValidationError):
        services.extension_request(case=dispatched_case, author=dept_user, reason="", new_deadline=future(60))
    ext = services.extension_request(case=dispatched_case, author=dept_user, reason="需等待公示期满",
                                     new_deadline=future(60))
    assert Case.objects.get(pk=dispatched_case.pk).deadline != future(60)
    services.extension_decide(extension=ext, author=triage_user, approve=True)
    assert Case.objects.get(pk=dispatched_case.pk).deadline == future(60)


def test_every_write_has_an_authored_timeline_entry(dispatched_case, triage_user, dept_user):
    lead = dispatched_case.dispatches.get(role="lead")
    services.dispatch_reply(dispatch=lead, author=dept_user, reply="已协调完成")
    services.case_add_note(case=dispatched_case, author=triage_user, text="内部备注")
    services.case_message_reporter(case=dispatched_case, author=triage_user, text="请补充材料")
    entries = list(dispatched_case.timeline.all())
    assert [e.kind for e in entries][-3:] == ["reply", "internal_note", "message"]
    assert entries[-3].author == dept_user and entries[-1].visible_to_reporter
    assert not entries[-2].visible_to_reporter


def test_closing_withdraws_unanswered_dispatches_and_departments_cannot_reopen_by_returning(
    client, dispatched_case, triage_user, dept_user, market_dept
):
    from django.urls import reverse

    from cases import selectors

    client.force_login(triage_user)
    page = client.get(reverse("cases:inspect", args=[dispatched_case.pk])).content.decode()
    assert "仍有部门未答复：" in page and "办结后这些分办将一并撤回" in page and "请勾选确认" not in page
    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="已办成")
    assert set(dispatched_case.dispatches.values_list("status", flat=True)) == {Dispatch.Status.WITHDRAWN}
    assert "未答复的分办随之撤回" in dispatched_case.timeline.last().text
    # Nothing is left in the department's queue, and it is offered nothing to do.
    assert not selectors.dispatches_for_user(dept_user).exists()
    client.force_login(dept_user)
    page = client.get(reverse("cases:inspect", args=[dispatched_case.pk])).content.decode()
    assert 'value="return"' not in page and 'value="reply"' not in page and 'value="extension_request"' not in page
    # Even a stale form cannot put the closed case back into triage.
    lead = dispatched_case.dispatches.get(department=market_dept)
    with pytest.raises(ValidationError):
        services.dispatch_return(dispatch=lead, author=dept_user, reason="不属于本部门")
    dispatched_case.refresh_from_db()
    assert dispatched_case.status == Case.Status.CLOSED


def test_department_asks_for_more_time_only_while_it_owes_an_answer(dispatched_case, dept_user, market_dept):
    from cases.permissions import user_can

    assert user_can(dept_user, "extension_request", dispatched_case)
    lead = dispatched_case.dispatches.get(department=market_dept)
    services.dispatch_reply(dispatch=lead, author=dept_user, reply="已联系前租户")
    assert not user_can(dept_user, "extension_request", dispatched_case)


@pytest.mark.django_db(transaction=True)
def test_intake_edit_outside_a_request_transaction(case, window_user):
    # The service locks the case row; it must open its own transaction (PostgreSQL refuses
    # SELECT … FOR UPDATE outside one), as a management command or task would call it.
    updated = services.case_update_intake(
        case=case, author=window_user, expected_version=case.version, matter="前租户未注销，新商户办不了执照（补充）"
    )
    assert updated.matter.endswith("（补充）") and updated.version == case.version + 1
