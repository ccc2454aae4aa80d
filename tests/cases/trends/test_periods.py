"""Working days by lookup agree with cases.workdays; percentiles and the trend line."""

import datetime

import pytest

from cases.trends.periods import WEEK, WorkingDayIndex, periods, trend_line, weighted_percentile
from cases.workdays import working_days_between


@pytest.mark.django_db
def test_working_day_index_agrees_with_the_calendar_module():
    start, end = datetime.date(2026, 9, 1), datetime.date(2026, 11, 30)
    index = WorkingDayIndex(start, end)
    for a, b in [((2026, 9, 30), (2026, 10, 9)), ((2026, 9, 18), (2026, 9, 30)), ((2026, 10, 5), (2026, 10, 31)),
                 ((2026, 10, 1), (2026, 10, 7)), ((2026, 9, 1), (2026, 11, 30))]:
        a, b = datetime.date(*a), datetime.date(*b)
        assert index.between(a, b) == working_days_between(a, b)
    assert index.between(datetime.date(2026, 9, 30), datetime.date(2026, 10, 9)) == 2


def test_percentiles_of_weighted_values():
    assert weighted_percentile([(1, 1), (2, 1), (18, 1)], 0.5) == 2
    assert weighted_percentile([(1, 1), (2, 1), (18, 1)], 0.9) == 18
    assert weighted_percentile([(1, 2), (5, 2)], 0.5) == 3  # even count: mean of the middle two
    assert weighted_percentile([(3, 10)], 0.9) == 3
    assert weighted_percentile([], 0.5) is None


def test_weeks_start_on_monday_and_trend_line_never_negative():
    assert periods(datetime.date(2026, 10, 1), datetime.date(2026, 10, 14), WEEK) == [
        datetime.date(2026, 9, 28), datetime.date(2026, 10, 5), datetime.date(2026, 10, 12)]
    assert trend_line([5, 0, 0, 0]) == [3.5, 2.0, 0.5, 0.0]  # slope -1.5 from 3.5; -1.0 shown as 0
    assert trend_line([4]) == [None]
