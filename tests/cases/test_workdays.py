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
