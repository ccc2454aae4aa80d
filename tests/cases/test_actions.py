"""Case actions: one declaration each, a version check on every one, plain answers when done."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases import actions, services
from cases.models import Case, DeadlineExtension, Dispatch, MissingMaterial, TimelineEntry
from tests.helpers import login, shown_version

from .conftest import future

CONFLICT = "该案件已被他人修改，请刷新后重试"


def counts():
    return (Case.objects.count(), TimelineEntry.objects.count(), Dispatch.objects.count(),
            MissingMaterial.objects.count(), DeadlineExtension.objects.count())


def url_of(case):
    return reverse("cases:inspect", args=[case.pk])


@pytest.mark.django_db
def test_every_action_is_one_complete_declaration():
    names = [a.name for a in actions.ACTIONS]
    assert len(names) == len(set(names))
    codenames = set(Permission.objects.filter(content_type__app_label="cases").values_list("codename", flat=True))
    for action in actions.ACTIONS:
        if action.permission is not None:
            app, codename = action.permission.split(".")
            assert app == "cases" and codename in codenames, action.name
        if action.inline:
            assert action.form is not None and action.perform is not None, action.name


def test_the_page_offers_exactly_the_declared_actions_the_user_may_take(client, dispatched_case, triage_user):
    client.force_login(triage_user)
    html = client.get(url_of(dispatched_case)).content.decode()
    offered = {a.name for a in actions.offered(triage_user, dispatched_case)}
    assert offered and "reply" not in offered and "triage" in offered
    for action in actions.ACTIONS:
        assert (f'name="action" value="{action.name}"' in html) == (action.name in offered), action.name


def test_a_stale_triage_is_refused_and_the_first_decision_kept(case, triage_user):
    # Two coordinators opened the same case page (same version); the first saves.
    shown = shown_version(case)
    first, second = login(triage_user), login(triage_user)
    response = first.post(url_of(case), {**shown, "action": "triage", "triage-classification": "difficult",
                                         "triage-blocking_cause": "legacy"})
    assert response.status_code == 302
    before = counts()
    response = second.post(url_of(case), {**shown, "action": "triage", "triage-classification": "expedite",
                                          "triage-blocking_cause": "system"})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    case.refresh_from_db()
    assert (case.classification, case.blocking_cause) == ("difficult", "legacy")
    assert counts() == before


def test_a_second_close_says_the_case_is_closed_not_forbidden(client, case, triage_user):
    services.case_triage(case=case, author=triage_user, classification="expedite", blocking_cause="other")
    client.force_login(triage_user)
    data = {**shown_version(case), "action": "close", "close-outcome": "done", "close-resolution_summary": "已告知办法"}
    assert client.post(url_of(case), data).status_code == 302
    before = counts()
    response = client.post(url_of(case), data)  # the same page, clicked again
    page = response.content.decode()
    assert response.status_code == 409
    assert "该案件已办结，无需再次办结。" in page and "没有执行该操作的权限" not in page
    assert counts() == before


def _stale_posts(case, user):
    """A valid-looking post of every action this user is offered, with the version before a change."""
    return [(a.name, {"action": a.name, "version": case.version - 1}) for a in actions.offered(user, case)]


def test_every_offered_action_checks_the_version_it_was_shown(dispatched_case, triage_user, window_user):
    services.material_add(case=dispatched_case, author=window_user, name="租赁合同", promised_date=future(3),
                          supply_method="wechat")
    dispatched_case.refresh_from_db()
    for user in (triage_user, window_user):
        client = login(user)
        posts = _stale_posts(dispatched_case, user)
        assert len(posts) >= 5
        for name, data in posts:
            before = counts()
            response = client.post(url_of(dispatched_case), data)
            assert response.status_code == 409, name
            assert CONFLICT in response.content.decode(), name
            assert counts() == before, name


def test_a_post_without_a_version_is_not_applied(client, case, triage_user):
    client.force_login(triage_user)
    response = client.post(url_of(case), {"action": "note", "note-text": "无版本"})
    assert response.status_code == 409 and CONFLICT in response.content.decode()
    assert not case.timeline.filter(text="无版本").exists()


def test_a_write_that_adds_rows_still_makes_older_forms_stale(client, case, triage_user, window_user):
    shown = shown_version(case)
    client.force_login(window_user)
    response = client.post(url_of(case), {**shown, "action": "material_add", "material_add-name": "营业执照副本",
                                          "material_add-promised_date": future(2).isoformat(),
                                          "material_add-supply_method": "wechat"})
    assert response.status_code == 302
    other = login(triage_user)
    response = other.post(url_of(case), {**shown, "action": "triage", "triage-classification": "expedite",
                                         "triage-blocking_cause": "missing_materials"})
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.classification == ""


def test_notes_do_not_make_others_forms_stale(case, triage_user, window_user):
    shown = shown_version(case)
    assert login(window_user).post(url_of(case), {**shown, "action": "note", "note-text": "已电话联系"}).status_code == 302
    response = login(triage_user).post(url_of(case), {**shown, "action": "triage", "triage-classification": "expedite",
                                                      "triage-blocking_cause": "system"})
    assert response.status_code == 302


def test_closing_with_an_open_dispatch_names_it_and_asks_first(client, dispatched_case, triage_user, tax_user):
    services.dispatch_reply(dispatch=dispatched_case.dispatches.get(role="lead"), author=triage_user,
                            reply="前租户已完成注销")
    dispatched_case.refresh_from_db()
    client.force_login(triage_user)
    page = client.get(url_of(dispatched_case)).content.decode()
    assert "仍有部门未答复：虹口区税务局（协办）" in page
    data = {**shown_version(dispatched_case), "action": "close", "close-outcome": "done",
            "close-resolution_summary": "已办成"}
    response = client.post(url_of(dispatched_case), data)
    assert response.status_code == 400 and "请勾选确认撤回" in response.content.decode()
    dispatched_case.refresh_from_db()
    assert dispatched_case.is_open
    response = client.post(url_of(dispatched_case), {**data, "close-confirm_withdraw": "on"})
    assert response.status_code == 302
    co = dispatched_case.dispatches.get(role="co")
    assert co.status == Dispatch.Status.WITHDRAWN


def test_next_expected_action_is_highlighted(client, dispatched_case, triage_user):
    client.force_login(triage_user)
    # Waiting on the departments: no step is the coordinator's yet.
    assert "case-action--next" not in client.get(url_of(dispatched_case)).content.decode()
    for dispatch in dispatched_case.dispatches.all():
        services.dispatch_reply(dispatch=dispatch, author=triage_user, reply="已办")
    html = client.get(url_of(dispatched_case)).content.decode()
    assert 'class="case-action case-action--next" id="action-close"' in html


def test_the_triage_suggestion_is_gone_once_the_case_is_classified(client, case, triage_user):
    client.force_login(triage_user)
    assert "data-suggest-url" in client.get(url_of(case)).content.decode()
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    assert "data-suggest-url" not in client.get(url_of(case)).content.decode()


# --- 非政务服务，就地转办 ---------------------------------------------------------


def refer_data(case, **overrides):
    return {**shown_version(case), "action": "refer", "refer-referred_to": "小区物业服务中心",
            "refer-referral_reason": "停车收费属于物业管理，不属政务服务事项",
            "refer-resolution_summary": "请向小区物业服务中心咨询，或拨打 12345 热线。", **overrides}


def test_a_window_clerk_refers_an_out_of_scope_matter_in_one_step(client, case, window_user):
    client.force_login(window_user)
    assert 'value="refer"' in client.get(url_of(case)).content.decode()
    response = client.post(url_of(case), refer_data(case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.classification, case.status, case.outcome) == ("out_of_scope", "closed", "referred")
    assert case.referred_to == "小区物业服务中心"
    entries = list(case.timeline.filter(author=window_user).values_list("text", flat=True))
    assert any("非政务服务" in t for t in entries) and any("转其他渠道" in t for t in entries)
    # Said plainly the second time.
    again = client.post(url_of(case), refer_data(case))
    assert again.status_code == 409 and "该案件已转其他渠道并办结。" in again.content.decode()


def test_referral_is_only_for_a_case_nobody_has_triaged(client, case, window_user, triage_user, dept_user):
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    client.force_login(window_user)
    assert 'value="refer"' not in client.get(url_of(case)).content.decode()
    before = counts()
    response = client.post(url_of(case), refer_data(case))
    assert response.status_code == 409 and "不能执行“非政务服务，就地转办”" in response.content.decode()
    assert counts() == before
    assert not actions.has_role_for(dept_user, actions.get("refer"), case)


@pytest.mark.parametrize("field", ["refer-referred_to", "refer-referral_reason", "refer-resolution_summary"])
def test_referral_needs_every_field(client, case, window_user, field):
    client.force_login(window_user)
    before = counts()
    response = client.post(url_of(case), refer_data(case, **{field: ""}))
    assert response.status_code == 400 and "请填写" in response.content.decode()
    assert counts() == before


def test_an_in_place_save_answers_with_the_saved_page_and_its_message(client, case, triage_user):
    client.force_login(triage_user)
    response = client.post(url_of(case), {**shown_version(case), "action": "triage", "triage-classification": "difficult",
                                          "triage-blocking_cause": "legacy"}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    html = response.content.decode()
    assert response.status_code == 200
    assert "已保存：研判分类。" in html and "data-case-desk" in html and "研判为“难办”" in html
