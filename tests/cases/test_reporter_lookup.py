"""来电查询: a returning citizen's earlier cases by phone or ID number, scoped, masked, audited."""

from django.urls import reverse

from .conftest import make_resident_id, register

URL = "case_reporter_lookup"


def lookup(client, user, **data):
    client.force_login(user)
    return client.post(reverse(URL), {"reporter_phone": "", "reporter_id_number": "", **data})


def test_window_finds_the_callers_earlier_cases_masked_and_each_lookup_is_recorded(
    client, window_user, hall, qingpu_triage_user, qingpu_hall
):
    first = register(window_user, hall, reporter_phone="13800001234")
    second = register(window_user, hall, reporter_phone="13800001234", matter="又来反映：营业执照仍未办下来")
    stranger = register(window_user, hall, reporter_phone="13900009999", reporter_name="王某某")
    elsewhere = register(qingpu_triage_user, qingpu_hall, reporter_phone="13800001234")
    response = lookup(client, window_user, reporter_phone="138 0000 1234")  # typed with spaces
    html = response.content.decode()
    assert response.status_code == 200
    assert first.tracking_number in html and second.tracking_number in html
    assert stranger.tracking_number not in html
    assert elsewhere.tracking_number not in html  # another district's case stays out of reach
    assert "138****1234" in html and "13800001234" not in html  # not even echoed in the form
    entry = first.timeline.filter(kind="view_personal_data").get()
    assert entry.author == window_user and "按反映人联系电话查询到本案" in entry.text
    assert not stranger.timeline.filter(kind="view_personal_data").exists()


def test_lookup_by_id_number_and_clear_messages(client, triage_user, window_user, hall):
    resident_id = make_resident_id()
    case = register(window_user, hall, reporter_id_number=resident_id)
    assert case.tracking_number in lookup(client, triage_user, reporter_id_number=resident_id).content.decode()
    empty = lookup(client, triage_user)
    assert empty.status_code == 400 and "请填写联系电话或身份证号码" in empty.content.decode()
    bad = lookup(client, triage_user, reporter_phone="123")
    assert bad.status_code == 400 and "联系电话格式不正确" in bad.content.decode()
    none = lookup(client, triage_user, reporter_phone="13700000000").content.decode()
    assert "没有查到您可查看的案件" in none


def test_library_readers_cannot_look_people_up(client, db):
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("editor_lookup", password="x")
    editor.groups.add(Group.objects.get(name="编辑"))
    client.force_login(editor)
    assert client.get(reverse(URL)).status_code in (302, 403)
    assert reverse(URL) not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_department_staff_who_see_numbers_masked_cannot_look_people_up(client, dept_user, dispatched_case):
    # A hit for the right number and none for a wrong one would un-mask the phone.
    client.force_login(dept_user)
    assert lookup(client, dept_user, reporter_phone="13800001234").status_code in (302, 403)
    assert reverse(URL) not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_lookups_are_rate_limited_per_user(client, window_user, hall):
    from cases.lookup_views import LOOKUPS

    register(window_user, hall, reporter_phone="13800001234")
    for _ in range(LOOKUPS.count):
        assert lookup(client, window_user, reporter_phone="13800001234").status_code == 200
    refused = lookup(client, window_user, reporter_phone="13800001234")
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
