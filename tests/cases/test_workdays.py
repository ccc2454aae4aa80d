import datetime

from cases.models import WorkingDayOverride
from cases.workdays import add_working_days, is_working_day, working_days_between

D = datetime.date


def test_seeded_calendar_has_national_day_and_makeup_saturday(db):
    assert not is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 10, 7))  # a Wednesday, but a holiday
    assert is_working_day(D(2026, 10, 10))  # Saturday 调休上班
    assert is_working_day(D(2026, 9, 20))  # Sunday 调休上班
    assert not is_working_day(D(2026, 10, 11))  # ordinary Sunday


def test_add_working_days_across_national_day(db):
    # Wed 30 Sep + 1 -> Thu 8 Oct (1–7 Oct off); + 3 -> Sat 10 Oct (调休) counts.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # Friday 18 Sep + 1 -> Sunday 20 Sep (调休上班).
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)


def test_working_days_between_across_national_day(db):
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == -4
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_override_edited_in_admin_takes_effect(db):
    assert add_working_days(D(2026, 11, 2), 1) == D(2026, 11, 3)
    WorkingDayOverride.objects.create(date=D(2026, 11, 3), is_working_day=False, note="测试停休")
    assert add_working_days(D(2026, 11, 2), 1) == D(2026, 11, 4)


def test_missing_calendar_year_follows_the_seeded_2026_arrangement(db):
    from cases.workdays import missing_calendar_year

    assert missing_calendar_year(datetime.date(2026, 6, 1)) is None
    # From November, deadlines run into next year: its holidays must be in.
    assert missing_calendar_year(datetime.date(2026, 11, 30)) == 2027
    WorkingDayOverride.objects.create(date=datetime.date(2027, 1, 1), is_working_day=False, note="元旦")
    assert missing_calendar_year(datetime.date(2026, 11, 30)) is None
    assert missing_calendar_year(datetime.date(2028, 3, 1)) == 2028


def test_dashboard_warns_who_can_enter_the_missing_holidays(monkeypatch, supervisor, window_user):
    from django.urls import reverse

    from tests.helpers import login

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 12, 1))
    home = reverse("wagtailadmin_home")
    html = login(supervisor).get(home).content.decode()
    assert "2027 年节假日安排尚未录入" in html
    assert reverse("working_days:add") in html
    assert "节假日安排尚未录入" not in login(window_user).get(home).content.decode()

    response = login(supervisor).post(
        reverse("working_days:add"), {"date": "2027-01-01", "is_working_day": "", "note": "元旦"}
    )
    assert response.status_code == 302
    assert "节假日安排尚未录入" not in login(supervisor).get(home).content.decode()
