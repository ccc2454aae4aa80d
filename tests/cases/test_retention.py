"""个人信息保存期限: archived cases lose the reporter's personal data when the period ends."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, TimelineEntry

from .conftest import make_resident_id, register

PHONE = "13800001234"
NAME = "张某某"


def archived(window_user, triage_user, hall, market_dept, *, years_ago: float = 4, **overrides):
    case = register(window_user, hall, reporter_name=NAME, reporter_phone=PHONE,
                    matter=f"{NAME}反映：前租户未注销，营业执照办不下来，回电{PHONE}", **overrides)
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage_user, lead_department=market_dept, lead_task="协调前租户注销")
    dispatch = case.dispatches.get()
    services.dispatch_reply(dispatch=dispatch, author=triage_user, reply=f"已电话联系{NAME}（{PHONE}），前租户已注销")
    services.case_add_note(case=case, author=triage_user, text=f"反映人手机 {PHONE}，身份证 {make_resident_id()}")
    case.refresh_from_db()
    services.case_close(case=case, author=triage_user, outcome="done",
                        resolution_summary=f"{NAME}的营业执照已办出")
    services.return_visit_record(case=case, author=triage_user, method="phone", notes=f"回访{NAME}，满意")
    case.refresh_from_db()
    services.case_archive(case=case, author=triage_user)
    Case.objects.filter(pk=case.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=int(365 * years_ago))
    )
    return Case.objects.get(pk=case.pk)


def everything_said_about(case: Case) -> str:
    case.refresh_from_db()
    texts = [case.reporter_name, case.reporter_phone, case.reporter_id_number, case.matter,
             case.resolution_summary]
    texts += list(case.timeline.values_list("text", flat=True))
    texts += [d.task + d.reply for d in case.dispatches.all()]
    texts += [v.notes for v in case.return_visits.all()]
    return "\n".join(texts)


def test_expired_case_loses_personal_data_and_keeps_its_story(window_user, triage_user, hall, market_dept):
    case = archived(window_user, triage_user, hall, market_dept)
    assert NAME in everything_said_about(case) and PHONE in everything_said_about(case)
    call_command("erase_expired_personal_data", stdout=open("/dev/null", "w"))
    said = everything_said_about(case)
    assert NAME not in said and PHONE not in said and make_resident_id() not in said
    assert case.reporter_name == "（已删除）" and case.reporter_phone == "" and case.reporter_id_number == ""
    assert case.personal_data_erased_at is not None
    # What happened stays readable.
    assert "营业执照" in case.matter and "前租户已注销" in case.dispatches.get().reply
    erasure = case.timeline.get(kind=TimelineEntry.Kind.ERASURE)
    assert "保存期限已满" in erasure.text


def test_recent_or_unarchived_cases_are_untouched_and_dry_run_changes_nothing(
    window_user, triage_user, hall, market_dept, capsys
):
    recent = archived(window_user, triage_user, hall, market_dept, years_ago=1)
    old = archived(window_user, triage_user, hall, market_dept)
    open_case = register(window_user, hall, reporter_name=NAME, reporter_phone=PHONE)
    Case.objects.filter(pk=open_case.pk).update(created_at=timezone.now() - datetime.timedelta(days=2000))

    call_command("erase_expired_personal_data", "--dry-run")
    assert "到期案件（归档后保存 1095 天）：1 件" in capsys.readouterr().out
    old.refresh_from_db()
    assert old.reporter_name == NAME and old.personal_data_erased_at is None

    call_command("erase_expired_personal_data")
    assert "已删除个人信息：1 件" in capsys.readouterr().out
    for untouched in (recent, open_case):
        untouched.refresh_from_db()
        assert untouched.reporter_name == NAME and untouched.reporter_phone == PHONE
    # Idempotent: nothing left to do, nothing logged twice.
    call_command("erase_expired_personal_data")
    assert "已删除个人信息：0 件" in capsys.readouterr().out
    assert old.timeline.filter(kind=TimelineEntry.Kind.ERASURE).count() == 1


def test_retention_period_is_a_setting(window_user, triage_user, hall, market_dept, settings):
    case = archived(window_user, triage_user, hall, market_dept, years_ago=1)
    settings.BANCHENG_PERSONAL_DATA_RETENTION_DAYS = 180
    call_command("erase_expired_personal_data", stdout=open("/dev/null", "w"))
    case.refresh_from_db()
    assert case.personal_data_erased_at is not None


def test_only_archived_cases_can_be_erased(case):
    with pytest.raises(Exception, match="只有已归档的案件"):
        services.case_personal_data_erase(case=case)
    case.refresh_from_db()
    assert case.personal_data_erased_at is None


def test_case_page_says_the_data_was_erased(client, window_user, triage_user, hall, market_dept, supervisor):
    case = archived(window_user, triage_user, hall, market_dept)
    services.case_personal_data_erase(case=case)
    client.force_login(supervisor)
    html = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert "按保存期限删除" in html and NAME not in html and PHONE not in html
    # The case list says the data is gone, rather than masking the placeholder.
    listing = client.get(reverse("cases:index")).content.decode()
    assert "（已删除）" in listing and "（****" not in listing


def test_timeline_stays_immutable_outside_erasure(case):
    with pytest.raises(PermissionError):
        TimelineEntry.objects.filter(case=case).update(text="改写")
