"""Bad input on every staff form: a Chinese message, nothing saved."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Case, DeadlineExtension, Dispatch, MissingMaterial, ServiceHall, TimelineEntry

from tests.helpers import shown_version

from .conftest import future, make_credit_code, make_resident_id


def counts():
    return (Case.objects.count(), TimelineEntry.objects.count(), Dispatch.objects.count(),
            MissingMaterial.objects.count(), DeadlineExtension.objects.count())


def register_data(hall, **overrides):
    data = {
        "channel": "counter", "hall": hall.pk, "district": hall.district_id, "reporter_type": "person",
        "reporter_name": "张某某", "reporter_phone": "13800001234", "reporter_id_number": "",
        "enterprise_name": "", "credit_code": "", "contact_preference": "phone",
        "matter": "前租户未注销，新商户办不了执照", "service_item": "", "counter_name": "",
        "counter_failure_reason": "", "material_name": "", "material_promised_date": "",
        "material_supply_method": "",
    }
    data.update(overrides)
    return data


def test_register_with_15_digit_id_and_material(client, window_user, hall):
    client.force_login(window_user)
    response = client.post(reverse("cases:add"), register_data(
        hall, reporter_id_number="310229750812153", material_name="身份证原件",
        material_promised_date=future(3).isoformat(), material_supply_method="mail"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert len(case.reporter_id_number) == 18 and case.materials.get().name == "身份证原件"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"reporter_id_number": "310109199003071230"}, "校验位错误"),
        ({"reporter_id_number": "31010919900307"}, "位数不对"),
        ({"reporter_id_number": "310109199013071231"}, "出生日期无效"),
        ({"reporter_type": "enterprise", "enterprise_name": "某公司", "credit_code": "91310109MA1G5B3C60"}, "统一社会信用代码"),
        ({"reporter_phone": "12345"}, "联系电话格式不正确"),
        ({"reporter_name": ""}, "请填写“反映人姓名”"),
        ({"matter": "x" * 2001}, "2000"),
        ({"reporter_type": "enterprise", "enterprise_name": ""}, "企业名称"),
        ({"material_name": "身份证原件"}, "承诺补齐日期"),
        ({"material_name": "身份证原件", "material_promised_date": "2001-01-01", "material_supply_method": "mail"},
         "不能早于受理日期"),
    ],
)
def test_register_bad_input(client, window_user, hall, overrides, message):
    client.force_login(window_user)
    before = counts()
    response = client.post(reverse("cases:add"), register_data(hall, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_register_valid_credit_code(client, window_user, hall):
    client.force_login(window_user)
    code = make_credit_code()
    response = client.post(reverse("cases:add"), register_data(
        hall, reporter_type="enterprise", enterprise_name="某公司", credit_code=code.lower()))
    assert response.status_code == 302
    assert Case.objects.get().credit_code == code


def test_edit_conflict_message_and_nothing_overwritten(client, case, window_user, triage_user, hall):
    url = reverse("cases:edit", args=[case.pk])
    client.force_login(window_user)
    stale = client.get(url).context["form"].initial["version"]
    data = register_data(hall, reporter_id_number=make_resident_id(), version=stale, matter="窗口人员的修改")
    other = client.__class__()
    other.force_login(triage_user)
    assert other.post(url, {**data, "matter": "研判员的修改"}).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 400
    assert "该案件已被他人修改，请刷新后重试" in response.content.decode()
    case.refresh_from_db()
    assert case.matter == "研判员的修改"


ACTION_CASES = [
    ("triage", {"triage-classification": "cannot", "triage-blocking_cause": "other"}, "法律法规"),
    ("triage", {"triage-classification": "bogus", "triage-blocking_cause": "other"}, "选择一个有效的选项"),
    ("dispatch", {"dispatch-lead_department": "", "dispatch-lead_task": ""}, "请选择“主办部门”"),
    ("note", {"note-text": "   "}, "请填写“内容”"),
    ("message", {"message-text": ""}, "请填写“内容”"),
    ("material_add", {"material_add-name": "原件", "material_add-promised_date": "not-a-date",
                      "material_add-supply_method": "mail"}, "日期"),
    ("close", {"close-outcome": "done", "close-resolution_summary": ""}, "请填写“办理情况说明（反映人可见）”"),
    # A deadline already past would make the case overdue the moment it is saved.
    ("triage", {"triage-classification": "difficult", "triage-blocking_cause": "other",
                "triage-deadline": "2020-01-06"}, "时限不能早于今天"),
]


@pytest.mark.parametrize("action, data, message", ACTION_CASES)
def test_action_bad_input(client, case, triage_user, action, data, message):
    client.force_login(triage_user)
    before = counts()
    response = client.post(reverse("cases:inspect", args=[case.pk]), {**shown_version(case), "action": action, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_dispatch_deadline_in_the_past_is_refused(client, case, triage_user, market_dept):
    from cases import services

    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    client.force_login(triage_user)
    before = counts()
    response = client.post(reverse("cases:inspect", args=[case.pk]), {
        **shown_version(case), "action": "dispatch", "dispatch-lead_department": market_dept.pk, "dispatch-lead_task": "联系前租户",
        "dispatch-lead_deadline": "2020-01-06"})
    assert response.status_code == 400
    assert "时限不能早于今天" in response.content.decode()
    assert counts() == before


def test_material_date_error_sits_at_its_field(client, window_user, hall):
    client.force_login(window_user)
    response = client.post(reverse("cases:add"), register_data(
        hall, material_name="身份证原件", material_promised_date="2001-01-01", material_supply_method="mail"))
    form = response.context["form"]
    assert "不能早于受理日期" in " ".join(form.errors.get("material_promised_date", []))
    assert not form.non_field_errors()


def test_return_without_reason(client, dispatched_case, tax_user):
    client.force_login(tax_user)
    dispatch = dispatched_case.dispatches.get(role="co")
    before = counts()
    response = client.post(reverse("cases:inspect", args=[dispatched_case.pk]),
                           {**shown_version(dispatched_case), "action": "return", "return-dispatch": dispatch.pk, "return-reason": ""})
    assert response.status_code == 400 and "请填写“退单理由”" in response.content.decode()
    assert counts() == before


def test_close_with_outstanding_material_shows_message(client, dispatched_case, triage_user, window_user):
    from cases import services

    services.material_add(case=dispatched_case, author=window_user, name="身份证原件",
                          promised_date=future(2), supply_method="wechat")
    client.force_login(triage_user)
    response = client.post(reverse("cases:inspect", args=[dispatched_case.pk]),
                           {**shown_version(dispatched_case), "action": "close", "close-outcome": "done",
                            "close-resolution_summary": "已办成", "close-confirm_withdraw": "on"})
    assert response.status_code == 400
    assert "仍有容缺材料未补齐：身份证原件" in response.content.decode()
    dispatched_case.refresh_from_db()
    assert dispatched_case.status == "in_progress"


def test_supervisor_escalates_by_hand(client, dispatched_case, supervisor, triage_user):
    url = reverse("cases:inspect", args=[dispatched_case.pk])
    client.force_login(triage_user)
    assert 'value="escalate"' not in client.get(url).content.decode()
    client.force_login(supervisor)
    html = client.get(url).content.decode()
    assert 'value="escalate"' in html and 'value="close"' not in html
    before = counts()
    assert client.post(url, {**shown_version(dispatched_case), "action": "escalate", "escalate-reason": ""}).status_code == 400
    assert counts() == before
    assert client.post(url, {**shown_version(dispatched_case), "action": "escalate", "escalate-reason": "群众多次反映"}).status_code == 302
    dispatched_case.refresh_from_db()
    assert dispatched_case.escalated
    assert dispatched_case.timeline.filter(kind="escalation", author=supervisor).exists()


def test_rectification_submitted_then_verified_from_case_page(client, dispatched_case, triage_user, supervisor):
    from cases import services

    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="办成")
    services.case_rate(case=dispatched_case, rating=2, comment="态度不好")
    rect = dispatched_case.rectifications.get()
    client.force_login(triage_user)
    url = reverse("cases:inspect", args=[dispatched_case.pk])
    assert client.post(url, {**shown_version(dispatched_case), "action": "rectification", "rectification-rectification": rect.pk,
                             "rectification-result": ""}).status_code == 400
    response = client.post(url, {**shown_version(dispatched_case), "action": "rectification", "rectification-rectification": rect.pk,
                                 "rectification-result": "已约谈窗口并改进告知方式"})
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "submitted" and "改进告知方式" in rect.result

    # The submitter cannot verify it, even with the permission.
    assert "验收整改" not in client.get(url).content.decode()

    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert "待验收" in page and "验收整改" in page
    verify = {**shown_version(dispatched_case), "action": "rectification_verify", "rectification_verify-rectification": rect.pk}
    response = client.post(url, {**verify, "rectification_verify-accepted": "0", "rectification_verify-note": ""})
    assert response.status_code == 400
    assert "退回重新整改必须写明理由" in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "submitted"
    response = client.post(url, {**verify, "rectification_verify-accepted": "0",
                                 "rectification_verify-note": "未说明如何避免再次发生"})
    assert response.status_code == 302
    rect.refresh_from_db()
    assert (rect.status, rect.return_count, rect.verified_by) == ("open", 1, supervisor)
    assert "已退回重新整改 1 次" in client.get(url).content.decode()


def test_class_case_closed_from_its_page(client, dispatched_case, triage_user, window_user, market_dept):
    import datetime as dt

    from cases.models import ClassCase

    class_case = ClassCase.objects.create(title="前租户未注销", owner_department=market_dept,
                                          required_outcome="new_article", deadline=dt.date.today())
    class_case.cases.add(dispatched_case)
    url = reverse("class_cases:inspect", args=[class_case.pk])
    client.force_login(window_user)
    assert client.post(url, {"outcome_summary": "x"}).status_code in (302, 403)
    client.force_login(triage_user)
    html = client.get(url).content.decode()
    assert dispatched_case.tracking_number in html
    response = client.post(url, {"outcome_summary": ""})
    assert response.status_code == 400 and "请填写" in response.content.decode()
    assert ClassCase.objects.get().status == "open"
    assert client.post(url, {"outcome_summary": "已发布新指引"}).status_code == 302
    assert ClassCase.objects.get().status == "closed"
    assert dispatched_case.timeline.filter(kind="class_case", text__contains="已办结").exists()


def test_the_only_candidate_record_is_already_chosen(client, dispatched_case, triage_user, supervisor):
    """With one 整改 waiting, 验收 needs no pick from a list of one; with none, nothing is offered."""
    import re

    from cases import services

    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="办成")
    services.case_rate(case=dispatched_case, rating=1, comment="跑了三次")
    rect = dispatched_case.rectifications.get()
    services.rectification_submit(rectification=rect, author=triage_user, result="改进告知方式")
    client.force_login(supervisor)
    url = reverse("cases:inspect", args=[dispatched_case.pk])
    html = client.get(url).content.decode()
    select = re.search(r'<select name="rectification_verify-rectification"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option[^>]*>", select) == [f'<option value="{rect.pk}" selected>']

    # Posting the form as the browser sends it (the preselected value) verifies it.
    response = client.post(url, {**shown_version(dispatched_case), "action": "rectification_verify",
                                 "rectification_verify-rectification": rect.pk,
                                 "rectification_verify-accepted": "1", "rectification_verify-note": ""})
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "done"


def test_dispatch_form_starts_from_the_catalogue_department(client, window_user, triage_user, hall, market_dept):
    """The 分办 form preselects the item's implementing department and says why."""
    import re

    from knowledge.models import ServiceItem

    from .conftest import register

    item = ServiceItem.objects.create(name="食品经营许可", department=market_dept)
    case = register(window_user, hall, service_item=item)
    client.force_login(triage_user)
    html = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    select = re.search(r'<select name="dispatch-lead_department"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\d+)" selected>', select) == [str(market_dept.pk)]
    assert "已按事项目录预选「食品经营许可」的实施部门" in html

    # No item: nothing is preselected.
    other = register(window_user, hall, matter="停车难")
    html = client.get(reverse("cases:inspect", args=[other.pk])).content.decode()
    select = re.search(r'<select name="dispatch-lead_department"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "selected" not in select.replace('<option value="" selected>', "")


def test_window_cannot_file_a_case_into_another_districts_hall(client, window_user, hall, qingpu):
    # Filed into 青浦's hall, the case would vanish from the window's own list at once.
    other_hall = ServiceHall.objects.create(name="青浦区行政服务中心", district=qingpu)
    client.force_login(window_user)
    form = client.get(reverse("cases:add")).context["form"]
    assert list(form.fields["hall"].queryset) == [hall]
    response = client.post(reverse("cases:add"), register_data(other_hall))
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert Case.objects.count() == 0
    # The service refuses it too, whoever calls it.
    with pytest.raises(ValidationError) as exc:
        services.case_register(author=window_user, channel="counter", hall=other_hall, district=qingpu,
                               reporter_name="张某某", reporter_phone="13800001234", matter="前租户未注销，办不了执照")
    assert "只能登记或改到您所在的受理大厅" in str(exc.value)


def test_hall_must_belong_to_the_chosen_district(client, triage_user, hall, qingpu):
    client.force_login(triage_user)
    response = client.post(reverse("cases:add"), register_data(hall, district=qingpu.pk))
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_edit_cannot_move_a_case_out_of_reach(client, case, window_user, qingpu):
    other_hall = ServiceHall.objects.create(name="青浦区行政服务中心", district=qingpu)
    client.force_login(window_user)
    url = reverse("cases:edit", args=[case.pk])
    version = client.get(url).context["form"].initial["version"]
    response = client.post(url, register_data(other_hall, version=version, reporter_id_number=make_resident_id()))
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.hall.district.code == "hongkou"
    with pytest.raises(ValidationError):
        services.case_update_intake(case=case, author=window_user, expected_version=case.version,
                                    hall=other_hall, district=qingpu)
    case.refresh_from_db()
    assert case.hall.district.code == "hongkou"


def test_triage_form_preselects_nothing_on_a_new_case_and_requires_the_cause(client, case, triage_user):
    """The first cause (新老政策衔接) used to stand selected, so it was saved without being chosen."""
    client.force_login(triage_user)
    url = reverse("cases:inspect", args=[case.pk])
    page = client.get(url).content.decode()
    # 补齐方式 too: 电话 stood preselected for every 容缺 material.
    for name in ("triage-classification", "triage-blocking_cause", "material_add-supply_method"):
        select = page.split(f'id="id_{name}"', 1)[1].split("</select>", 1)[0]
        assert '<option value="" selected>请选择</option>' in select, name
    before = counts()
    response = client.post(url, {**shown_version(case), "action": "triage", "triage-classification": "difficult"})
    assert response.status_code == 400
    assert "请选择“堵点原因”" in response.content.decode()
    assert counts() == before


def test_triage_form_starts_from_the_cases_classification_on_a_re_triage(client, case, triage_user):
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    client.force_login(triage_user)
    page = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert '<option value="difficult" selected>' in page.split('id="id_triage-classification"', 1)[1].split("</select>")[0]
    assert '<option value="legacy" selected>' in page.split('id="id_triage-blocking_cause"', 1)[1].split("</select>")[0]


def test_reply_names_the_dispatch_by_department_role_and_deadline(client, dispatched_case, dept_user, market_dept):
    """The case's own number filled the narrow select and cut off which dispatch it was."""
    client.force_login(dept_user)
    form = client.get(reverse("cases:inspect", args=[dispatched_case.pk])).context["action_forms"]
    reply = next(item["form"] for item in form if item["name"] == "reply")
    dispatch = dispatched_case.dispatches.get(department=market_dept)
    labels = [label for value, label in reply.fields["dispatch"].choices if value]
    assert labels == [f"虹口区市场监督管理局 · 主办 · 时限 {dispatch.deadline.isoformat()}"]


def test_case_page_lists_the_lead_dispatch_first(client, case, triage_user, market_dept, tax_dept):
    """The co-department with the earlier deadline used to head the 分办 table."""
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(
        case=case, author=triage_user, lead_department=market_dept, lead_task="联系前租户", lead_deadline=future(10),
        co_departments=[{"department": tax_dept, "task": "核对清税", "deadline": future(3)}],
    )
    client.force_login(triage_user)
    page = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    table = page.split('data-testid="dispatches"', 1)[1].split("</table>", 1)[0]
    assert table.index(market_dept.name) < table.index(tax_dept.name)


def test_edit_page_suggests_a_classification_only_while_there_is_none(client, case, window_user, hall):
    url = reverse("cases:edit", args=[case.pk])
    client.force_login(window_user)
    suggest = reverse("triage_suggestion_json")
    assert suggest in client.get(reverse("cases:add")).content.decode()
    assert not case.classification and suggest in client.get(url).content.decode()
    Case.objects.filter(pk=case.pk).update(classification="difficult")
    assert suggest not in client.get(url).content.decode()
