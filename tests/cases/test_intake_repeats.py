"""Duplicates before saving (issue 15, item 2): an exact repeat asks first, 并单 at the counter."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from cases.models import Case, CaseMerge, StaffProfile, TimelineEntry

from .conftest import register
from .test_admin_forms import register_data

MATTER = "新租的临街店面原来的租户公司一直没注销，地址被占用，营业执照办不下来。"


@pytest.fixture
def earlier(window_user, hall):
    return register(window_user, hall, reporter_phone="13800001234", matter=MATTER, reporter_id_number="")


def test_an_exact_repeat_is_asked_about_and_saved_only_once_confirmed(client, window_user, hall, earlier):
    client.force_login(window_user)
    # Same reporter, the same text typed again (full-width punctuation and spaces make no new matter).
    repeat = register_data(hall, reporter_phone="138 0000 1234", matter=MATTER.replace("，", ", ") + "  ")
    response = client.post(reverse("cases:add"), repeat)
    assert response.status_code == 400
    html = response.content.decode()
    assert earlier.tracking_number in html and "确认不是重复登记" in html
    assert f'name="merge_into" value="{earlier.pk}"' in html
    assert Case.objects.count() == 1  # nothing saved
    # Telling the clerk the number is on file is recorded on the earlier case.
    assert earlier.timeline.filter(kind=TimelineEntry.Kind.VIEW_PERSONAL_DATA).exists()

    response = client.post(reverse("cases:add"), {**repeat, "confirm_repeat": "on"})
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_other_reporter_or_other_text_is_no_repeat(client, window_user, hall, earlier):
    client.force_login(window_user)
    other_reporter = client.post(reverse("cases:add"), register_data(hall, reporter_phone="13900005678", matter=MATTER))
    other_text = client.post(reverse("cases:add"), register_data(hall, matter="小区停车难，晚上找不到车位。"))
    assert (other_reporter.status_code, other_text.status_code) == (302, 302)


def test_a_repeat_is_registered_into_the_earlier_case(client, window_user, hall, earlier):
    client.force_login(window_user)
    response = client.post(reverse("cases:add"), register_data(hall, matter=MATTER, merge_into=str(earlier.pk)))
    assert response.status_code == 302 and response.url == reverse("cases:inspect", args=[earlier.pk])
    new = Case.objects.exclude(pk=earlier.pk).get()
    merge = CaseMerge.objects.get()
    assert (merge.primary, merge.merged) == (earlier, new)
    assert new.status == Case.Status.CLOSED and new.referred_to == earlier.tracking_number
    assert earlier.timeline.filter(kind=TimelineEntry.Kind.MERGE).exists()


def test_merge_into_a_case_out_of_reach_or_closed_saves_nothing(
    client, window_user, hall, qingpu_triage_user, qingpu_hall, triage_user, market_dept
):
    elsewhere = register(qingpu_triage_user, qingpu_hall, matter=MATTER)
    client.force_login(window_user)
    for value in (str(elsewhere.pk), "99999", "abc", "-1"):
        response = client.post(reverse("cases:add"), register_data(hall, matter=MATTER, merge_into=value))
        assert response.status_code == 400, value
        assert "并入" in response.content.decode() or "并单" in response.content.decode()
    assert Case.objects.count() == 1 and not CaseMerge.objects.exists()


def test_a_role_that_sees_phones_masked_gets_no_repeat_answer(db, hall, earlier):
    """No oracle: a registering role without personal-data rights is never told a number is on file."""
    from django.contrib.auth.models import Permission

    from cases.selectors import repeated_registrations

    group = Group.objects.create(name="只登记")
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label="cases", codename__in=["add_case", "view_case", "view_hall_cases"]))
    user = User.objects.create_user("register-only")
    user.groups.add(group)
    StaffProfile.objects.create(user=user, hall=hall, district=hall.district)
    assert repeated_registrations(user, reporter_phone="13800001234", matter=MATTER) == []
    assert repeated_registrations(User.objects.get(username="window"), reporter_phone="13800001234",
                                  matter=MATTER) == [earlier]
