"""数据公开 (/statistics/): city-wide monthly aggregates for citizens.

Aggregates only, never a case or its text; every count below ``MIN_CELL`` is shown
as "少于 3" (and a mean or share is shown only when at least ``MIN_CELL`` cases
stand behind it), so no cell can point at one person. No totals row: a total minus
the other months would give a suppressed cell back.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Sum
from django.utils.translation import gettext

from cases.models import CaseArticleLink, CaseTrendFact
from cases.statistics import SATISFIED_MIN, Rate, day_bounds

from .periods import MONTH, period_label, periods
from .selectors import Table

MIN_CELL = 3
MONTHS = 12


def suppressed(n: int | None) -> int | None:
    """The count if it may be shown; None (a gap, "少于 3") for 1 and 2."""
    return None if n is not None and 0 < n < MIN_CELL else n


def public_tables(today: datetime.date) -> list[Table]:
    first = today.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    starts = periods(first, today, MONTH)
    labels = [period_label(s, MONTH) for s in starts]
    index = {s: i for i, s in enumerate(starts)}
    start, end = day_bounds(first, today)

    def month_of(day):
        return index.get(day.replace(day=1))

    # Every case's registration and closing day come from the trend summary (one row per case),
    # counted per day off its covering indexes and added up per month here.
    received = [0] * len(starts)
    for row in (CaseTrendFact.objects.filter(created_day__gte=first, created_day__lte=today)
                .order_by().values(day=F("created_day")).annotate(n=Count("pk")).order_by()):
        i = month_of(row["day"])
        if i is not None:
            received[i] += row["n"]

    solved = [0] * len(starts)
    day_sums = [0] * len(starts)
    rated = [0] * len(starts)
    satisfied = [0] * len(starts)
    for row in (CaseTrendFact.objects.filter(closed_day__gte=first, closed_day__lte=today)
                .order_by().values("rating", day=F("closed_day"))
                .annotate(n=Count("pk"), days=Sum("working_days")).order_by()):
        i = month_of(row["day"])
        if i is None:
            continue
        solved[i] += row["n"]
        day_sums[i] += row["days"] or 0
        if row["rating"] is not None:
            rated[i] += row["n"]
            satisfied[i] += row["n"] if row["rating"] >= SATISFIED_MIN else 0
    mean_days = [round(day_sums[i] / solved[i], 1) if solved[i] >= MIN_CELL else None for i in range(len(starts))]
    satisfaction = [Rate(satisfied[i], rated[i]).percent if rated[i] >= MIN_CELL else None
                    for i in range(len(starts))]

    guides = [0] * len(starts)
    drafted = (
        CaseArticleLink.objects.filter(relation=CaseArticleLink.Relation.DRAFTED_FROM, page__live=True,
                                       page__first_published_at__gte=start, page__first_published_at__lt=end)
        .order_by().values("page_id", "page__first_published_at").distinct()
    )
    for row in drafted:
        i = month_of(timezone_date(row["page__first_published_at"]))
        if i is not None:
            guides[i] += 1

    received_shown = [suppressed(n) for n in received]
    solved_shown = [suppressed(n) for n in solved]
    guides_shown = [suppressed(n) for n in guides]
    return [
        Table(
            key="cases", title=gettext("每月收到与办结的反映"),
            headings=[gettext("月份"), gettext("收到"), gettext("办结")],
            rows=[[label, received_shown[i], solved_shown[i]] for i, label in enumerate(labels)],
            chart={"type": "bar", "labels": labels, "stacked": False, "percent": False, "datasets": [
                {"label": gettext("收到"), "data": received_shown, "dashed": False},
                {"label": gettext("办结"), "data": solved_shown, "dashed": False}]},
            note=gettext("按收到（登记）和办结的日期分别归入月份；本月截至今天。"),
        ),
        Table(
            key="days", title=gettext("平均办结用时（工作日）"),
            headings=[gettext("月份"), gettext("平均工作日")],
            rows=[[label, mean_days[i]] for i, label in enumerate(labels)],
            chart={"type": "line", "labels": labels, "stacked": False, "percent": False, "datasets": [
                {"label": gettext("平均工作日"), "data": mean_days, "dashed": False}]},
            note=gettext("当月办结的反映从收到到办结的工作日数的平均值，节假日不计。"),
        ),
        Table(
            key="satisfaction", title=gettext("满意率"),
            headings=[gettext("月份"), gettext("满意率（%）")],
            rows=[[label, satisfaction[i]] for i, label in enumerate(labels)],
            chart={"type": "line", "labels": labels, "stacked": False, "percent": True, "datasets": [
                {"label": gettext("满意率（%）"), "data": satisfaction, "dashed": False}]},
            note=gettext("当月办结并评价的反映中，评价为“满意”或“非常满意”的比例。"),
        ),
        Table(
            key="guides", title=gettext("由反映沉淀并发布的办事指引"),
            headings=[gettext("月份"), gettext("发布的指引")],
            rows=[[label, guides_shown[i]] for i, label in enumerate(labels)],
            chart={"type": "bar", "labels": labels, "stacked": False, "percent": False, "datasets": [
                {"label": gettext("发布的指引"), "data": guides_shown, "dashed": False}]},
            note=gettext("根据群众反映的问题编写、首次发布于当月的办事指引。"),
        ),
    ]


def timezone_date(value: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(value).date()
