"""Weeks and months of a date range, and the working-day arithmetic the trends share.

Figures are counted per day in the database and rolled up here, so a week or
month with nothing in it is still a row (zero), not a gap in the chart.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable

from django.utils.translation import gettext

from cases.models import WorkingDayOverride

WEEK = "week"
MONTH = "month"


def period_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == WEEK:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(start: datetime.date, granularity: str) -> datetime.date:
    if granularity == WEEK:
        return start + datetime.timedelta(days=7)
    return (start + datetime.timedelta(days=32)).replace(day=1)


def periods(date_from: datetime.date, date_to: datetime.date, granularity: str) -> list[datetime.date]:
    """The start of every week (Monday) or month touching the range, in order."""
    out = []
    start = period_start(date_from, granularity)
    while start <= date_to:
        out.append(start)
        start = _next(start, granularity)
    return out


def period_label(start: datetime.date, granularity: str) -> str:
    if granularity == WEEK:
        return gettext("%(date)s 当周") % {"date": f"{start:%Y-%m-%d}"}
    return f"{start:%Y-%m}"


class WorkingDayIndex:
    """Working days between two dates by lookup: the same rule as ``cases.workdays``
    (Monday–Friday unless a holiday or 调休 override says otherwise), computed once
    for the span instead of once per case."""

    def __init__(self, start: datetime.date, end: datetime.date):
        overrides = dict(
            WorkingDayOverride.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_working_day")
        )
        self.start = start
        self._ordinal: dict[datetime.date, int] = {}
        count = 0
        day = start
        while day <= end:
            if overrides.get(day, day.weekday() < 5):
                count += 1
            self._ordinal[day] = count
            day += datetime.timedelta(days=1)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (``workdays.working_days_between``)."""
        return self._ordinal[end] - self._ordinal[start]


def weighted_percentile(values: Iterable[tuple[float, int]], fraction: float) -> float | None:
    """The nearest-rank percentile of (value, count) pairs; the median (0.5) of an even
    number of values is the mean of the two middle ones, as ``statistics.median`` gives."""
    pairs = sorted((v, n) for v, n in values if n)
    total = sum(n for _v, n in pairs)
    if not total:
        return None
    if fraction == 0.5 and total % 2 == 0:
        return (_nth(pairs, total // 2) + _nth(pairs, total // 2 + 1)) / 2
    return float(_nth(pairs, max(1, math.ceil(fraction * total))))


def _nth(pairs: list[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, n in pairs:
        seen += n
        if seen >= rank:
            return value
    raise ValueError(rank)


def trend_line(values: list[float]) -> list[float | None]:
    """Least-squares straight line through the values, one fitted value per period
    (never below zero: it stands for a count of cases)."""
    n = len(values)
    if n < 2:
        return [None] * n
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sxx
    return [max(0.0, round(mean_y + slope * (x - mean_x), 1)) for x in range(n)]


def trend_slope(values: list[float]) -> float | None:
    """Change per period of the least-squares line (None for fewer than two periods)."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    return round(sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sxx, 2)
