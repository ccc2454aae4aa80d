"""Who sees what: listings, case pages, exports, search keys — for every role."""

import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from cases import selectors
from cases.models import TimelineEntry

from tests.helpers import shown_version

from .conftest import register


@pytest.fixture
def world(dispatched_case, qingpu_case, window_user, other_window_user, triage_user, qingpu_triage_user,
          dept_user, tax_user, housing_user, supervisor, other_hall):
    # A second Hongkou case at another hall, never dispatched.
    other_hall_case = register(other_window_user, other_hall, reporter_name="赵某某", reporter_phone="13700009999",
                               matter="另一大厅的案件")
    return {"hk": dispatched_case, "qp": qingpu_case, "other_hall": other_hall_case}


EXPECTED = {
    # username -> cases they see
    "window": {"hk"},
    "window2": {"other_hall"},
    "triage": {"hk", "other_hall"},
    "triage_qp": {"qp"},
    "dept": {"hk"},
    "tax": {"hk"},
    "housing": set(),
    "supervisor": {"hk", "qp", "other_hall"},
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_selector_scope(world, username):
    user = User.objects.get(username=username)
    visible = set(selectors.visible_cases_for(user).values_list("pk", flat=True))
    assert visible == {world[k].pk for k in EXPECTED[username]}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_listing_and_direct_urls(client, world, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    listing = client.get(reverse("cases:index")).content.decode()
    for key, case in world.items():
        url = reverse("cases:inspect", args=[case.pk])
        response = client.get(url)
        if key in EXPECTED[username]:
            assert case.tracking_number in listing
            assert response.status_code == 200
        else:
            assert case.tracking_number not in listing
            assert response.status_code == 404
            assert case.reporter_phone not in response.content.decode()
            # Actions on a case outside the scope are 404 too, and change nothing.
            before = TimelineEntry.objects.filter(case=case).count()
            post = client.post(url, {**shown_version(case), "action": "note", "note-text": "越权备注"})
            assert post.status_code == 404
            assert TimelineEntry.objects.filter(case=case).count() == before


def test_superuser_sees_all(world):
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    assert selectors.visible_cases_for(admin).count() == 3
    assert selectors.case_search_restrict_keys(admin) is None


def test_listing_masks_personal_data(client, world, triage_user):
    client.force_login(triage_user)
    html = client.get(reverse("cases:index")).content.decode()
    assert "张**" in html and "138****1234" in html
    assert "张某某" not in html and "13800001234" not in html


def test_full_view_only_for_permitted_roles_and_logged(client, world, triage_user, dept_user):
    case = world["hk"]
    url = reverse("cases:inspect", args=[case.pk])
    client.force_login(dept_user)
    html = client.get(url + "?reveal=1").content.decode()
    assert "13800001234" not in html and "138****1234" in html
    assert not case.timeline.filter(kind="view_personal_data").exists()
    client.force_login(triage_user)
    html = client.get(url).content.decode()
    assert "13800001234" not in html  # masked until explicitly revealed
    html = client.get(url + "?reveal=1").content.decode()
    assert "13800001234" in html and case.reporter_id_number in html
    entry = case.timeline.get(kind="view_personal_data")
    assert entry.author == triage_user


def test_department_only_replies_to_its_own_dispatch(client, world, dept_user, tax_user):
    case = world["hk"]
    url = reverse("cases:inspect", args=[case.pk])
    client.force_login(dept_user)
    html = client.get(url).content.decode()
    assert 'value="reply"' in html and 'value="triage"' not in html and 'value="close"' not in html
    tax_dispatch = case.dispatches.get(department__name="虹口区税务局")
    response = client.post(url, {**shown_version(case), "action": "reply", "reply-dispatch": tax_dispatch.pk, "reply-reply": "冒名答复"})
    assert response.status_code == 400
    tax_dispatch.refresh_from_db()
    assert tax_dispatch.reply == ""


def test_window_cannot_triage_or_close(client, world, window_user):
    case = world["hk"]
    client.force_login(window_user)
    response = client.post(reverse("cases:inspect", args=[case.pk]),
                           {**shown_version(case), "action": "close", "close-outcome": "done", "close-resolution_summary": "x"})
    # Wagtail turns PermissionDenied into a redirect with a "no permission" message.
    assert response.status_code in (302, 403)
    case.refresh_from_db()
    assert case.status != "closed"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_masking_and_scope(client, world, triage_user, supervisor, window_user, fmt):
    def export(user):
        client.force_login(user)
        url = reverse("cases:index") + f"?export={fmt}"
        response = client.get(url)
        if user == triage_user:  # full personal data: confirmed, with a reason
            assert response.status_code == 200 and "导出事由" in response.content.decode()
            response = client.post(url, {"reason": "报送本月台账", "confirm": "on"})
        return response

    assert export(window_user).status_code in (302, 403)

    def text_of(response):
        body = b"".join(response.streaming_content) if response.streaming else b"".join(response)
        if fmt == "csv":
            return body.decode()
        sheet = load_workbook(io.BytesIO(body)).active
        return "\n".join(",".join(str(c or "") for c in row) for row in sheet.iter_rows(values_only=True))

    triage_text = text_of(export(triage_user))
    assert world["hk"].tracking_number in triage_text
    assert world["qp"].tracking_number not in triage_text  # other district never exported
    assert "13800001234" in triage_text  # 研判员 may see full data
    # ... and the hand-over of that data is on the case's record, as an on-screen reveal is.
    entry = world["hk"].timeline.filter(kind="view_personal_data").get()
    assert entry.author == triage_user and "导出了案件清单" in entry.text and fmt.upper() in entry.text
    assert "导出事由：报送本月台账" in entry.text
    assert not world["qp"].timeline.filter(kind="view_personal_data").exists()


def test_export_masked_for_role_without_personal_data(client, world, triage_user):
    from django.contrib.auth.models import Permission

    # A supervisor-like role that may export but not see full personal data.
    user = User.objects.create_user("auditor", password="x")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_case", "view_all_cases", "export_cases"], content_type__app_label="cases"))
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    body = b"".join(client.get(reverse("cases:index") + "?export=csv").streaming_content).decode()
    assert "138****1234" in body and "13800001234" not in body and "张**" in body
    assert world["hk"].reporter_id_number not in body
    # A masked export hands over no personal data, so there is nothing to record.
    assert not world["hk"].timeline.filter(kind="view_personal_data").exists()


def test_search_restrict_keys(world, window_user, triage_user, dept_user, supervisor, housing_user, hall, market_dept):
    assert selectors.case_search_restrict_keys(supervisor) is None
    assert selectors.case_search_restrict_keys(window_user) == [f"hall:{hall.pk}"]
    assert selectors.case_search_restrict_keys(triage_user) == [f"district:{hall.district_id}"]
    assert selectors.case_search_restrict_keys(dept_user) == [f"dept:{market_dept.pk}"]
    from django.contrib.auth.models import AnonymousUser

    assert selectors.case_search_restrict_keys(AnonymousUser()) == []
    keys = selectors.case_restrict_keys(world["hk"])
    assert f"dept:{market_dept.pk}" in keys and f"hall:{hall.pk}" in keys


def test_my_dispatches_lists_only_own_department(client, world, dept_user, tax_user):
    client.force_login(dept_user)
    html = client.get(reverse("my_dispatches:index")).content.decode()
    assert world["hk"].tracking_number in html
    assert "联系前租户完成简易注销" in html and "核对税务清税情况" not in html


def test_my_dispatches_write_the_deadline_as_on_the_rest_of_the_desk(client, world, dept_user):
    dispatch = world["hk"].dispatches.get(department__name="虹口区市场监督管理局")
    client.force_login(dept_user)
    html = client.get(reverse("my_dispatches:index")).content.decode()
    assert dispatch.deadline.isoformat() in html
    assert "年" not in html.split("<tbody", 1)[1].split("</tbody>", 1)[0]


def test_overdue_list_highlights(client, world, triage_user):
    import datetime

    case = world["hk"]
    from cases.models import Case

    Case.objects.filter(pk=case.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=2))
    client.force_login(triage_user)
    html = client.get(reverse("overdue_cases:index")).content.decode()
    assert case.tracking_number in html and "case-row--overdue" in html
    html = client.get(reverse("cases:index") + "?deadline_state=overdue").content.decode()
    assert case.tracking_number in html and world["other_hall"].tracking_number not in html


def test_case_list_filters_by_registration_date(client, world, triage_user):
    import datetime

    from django.utils import timezone

    from cases.models import Case

    old = world["hk"]
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    client.force_login(triage_user)
    today = timezone.localdate()
    url = reverse("cases:index")
    recent = client.get(url, {"created_at_after": (today - datetime.timedelta(days=7)).isoformat(),
                              "created_at_before": today.isoformat()})
    assert recent.status_code == 200 and old.tracking_number not in recent.content.decode()
    assert world["other_hall"].tracking_number in recent.content.decode()
    earlier = client.get(url, {"created_at_before": (today - datetime.timedelta(days=30)).isoformat()})
    assert old.tracking_number in earlier.content.decode()
    assert world["other_hall"].tracking_number not in earlier.content.decode()
    # A date that is not one: the listing still renders, with the filter's message.
    bad = client.get(url, {"created_at_after": "2026-02-31", "created_at_before": today.isoformat()})
    assert bad.status_code == 200
    # Wagtail then lists every case; the page says so above the results, not only in the closed drawer.
    alert = bad.content.decode().split("data-filter-errors", 1)[1].split("</div>", 1)[0]
    assert "本次未按条件筛选" in alert and "受理日期：输入一个有效的日期" in alert
    good = client.get(url, {"created_at_before": today.isoformat()})
    assert "data-filter-errors" not in good.content.decode()


def test_deidentified_text_keeps_the_cases_own_number(world):
    # Staff without personal-data rights read the timeline de-identified, yet the case's own
    # number is in the page header: blanking it there only confuses. Other numbers stay hidden.
    case = world["hk"]
    other = world["qp"]
    text = f"通过窗口受理登记，编号 {case.tracking_number}；与 {other.tracking_number} 合并，联系 13800001234。"
    shown = selectors.deidentified_text(text, case)
    assert case.tracking_number in shown
    assert other.tracking_number not in shown and "【案件编号】" in shown
    assert "13800001234" not in shown


def test_case_list_search_matches_every_word_in_either_script(client, world, triage_user):
    client.force_login(triage_user)
    url = reverse("cases:index")

    def found(q):
        html = client.get(url, {"q": q}).content.decode()
        return {key for key in ("hk", "other_hall", "qp") if world[key].tracking_number in html}

    assert found("營業執照 注銷") == {"hk"}  # traditional input, simplified record
    assert found("营业执照 另一大厅") == set()  # every word must match
    assert found(world["other_hall"].tracking_number.lower()) == {"other_hall"}
    assert found("注销") == {"hk"}  # 青浦's case never shows for 虹口


def test_citizen_comment_with_a_phone_number_is_masked_for_roles_without_rights(client, world, triage_user, dept_user):
    from cases import services

    case = world["hk"]
    services.case_close(case=case, author=triage_user, outcome="done", resolution_summary="已协调完成注销")
    services.case_rate(case=case, rating=2, comment="太慢了，有事请打我电话13912345678")
    client.force_login(dept_user)
    page = client.get(reverse("cases:inspect", args=[case.pk])).content.decode()
    assert "太慢了" in page and "13912345678" not in page  # both the 好差评 line and the 整改 reason
    client.force_login(triage_user)
    assert "13912345678" in client.get(reverse("cases:inspect", args=[case.pk])).content.decode()


def test_opening_the_intake_edit_form_is_logged_as_a_personal_data_view(client, world, window_user):
    case = world["hk"]
    client.force_login(window_user)
    page = client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert case.reporter_phone in page  # the form needs the real values to correct them
    entry = case.timeline.filter(kind="view_personal_data").get()
    assert entry.author == window_user and "修改登记信息" in entry.text


def test_a_link_from_another_site_reveals_nothing_and_writes_no_view(client, world, triage_user):
    # A page elsewhere (a forum, a phishing mail's web page) linking ?reveal=1 to many cases would
    # otherwise put "查看个人信息" entries on their timelines in the clerk's name.
    case = world["hk"]
    url = reverse("cases:inspect", args=[case.pk]) + "?reveal=1"
    client.force_login(triage_user)
    html = client.get(url, HTTP_SEC_FETCH_SITE="cross-site").content.decode()
    assert "13800001234" not in html and "138****1234" in html
    assert not case.timeline.filter(kind="view_personal_data").exists()
    html = client.get(url, HTTP_SEC_FETCH_SITE="same-origin").content.decode()
    assert "13800001234" in html
    assert case.timeline.filter(kind="view_personal_data").count() == 1


def test_the_intake_edit_form_opened_from_another_site_goes_to_the_case_page_unlogged(client, world, window_user):
    case = world["hk"]
    client.force_login(window_user)
    response = client.get(reverse("cases:edit", args=[case.pk]), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 302 and response["Location"] == reverse("cases:inspect", args=[case.pk])
    assert not case.timeline.filter(kind="view_personal_data").exists()
