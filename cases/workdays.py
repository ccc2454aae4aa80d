"""Working-day arithmetic on the Shanghai calendar.

Monday–Friday are working days unless a ``WorkingDayOverride`` says otherwise
(法定节假日 off, 调休 weekend days on). Overrides are edited in the admin, so
they are read from the database for the span being computed.
"""

import datetime

from cases.models import WorkingDayOverride


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    rows = WorkingDayOverride.objects.filter(date__gte=start, date__lte=end).values_list(
        "date", "is_working_day"
    )
    return dict(rows)


def is_working_day(day: datetime.date, overrides: dict | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The date that is ``n`` working days after ``start`` (``start`` itself not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return start
    # Long holidays span at most ~9 days, so this window is always enough.
    overrides = _overrides(start, start + datetime.timedelta(days=n * 2 + 30))
    day = start
    remaining = n
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, overrides):
            count += 1
    return count


# The State Council publishes next year's arrangement in November or December.
CALENDAR_WARNING_FROM = (11, 1)


def missing_calendar_year(today: datetime.date) -> int | None:
    """A year whose holidays have not been entered yet and already matter for deadlines.

    The current year always matters; from November on, next year does too,
    since deadlines set now run into it. ``None`` when nothing is missing.
    """
    years = [today.year]
    if (today.month, today.day) >= CALENDAR_WARNING_FROM:
        years.append(today.year + 1)
    for year in years:
        if not WorkingDayOverride.objects.filter(date__year=year, is_working_day=False).exists():
            return year
    return None
