"""统计分析: the figures of each trend section, per week or month, as tables with charts.

Every figure is aggregated in the database per day (one grouped query per table,
at most a few thousand rows for two years), then rolled up into weeks or months
here so that empty periods read zero. Case figures read the trend summary
(``CaseTrendFact``, one narrow row per case with its local registration and closing
days, kept by ``facts``) instead of grouping the wide case rows by a computed day.
Cases are those the user answers for (``selectors.responsible_cases_for``), narrowed
by the filter; a department's own staff see only their own department's rows.
Counts and labels only.

Which date puts a case in a period:
- intake, overdue, escalations, returns, the 容缺 ledger, links to guides: registration;
- outcomes, working days to close, satisfaction: closing (办结) — a case registered on
  31 January and closed on 2 February counts as received in January and solved in February;
- dispatches: registration of their case; 整改: its opening; guides and feedback: their own date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Case,
    CaseArticleLink,
    CaseTrendFact,
    Dispatch,
    DispatchTrendFact,
    MissingMaterial,
    Rectification,
)
from cases.permissions import CASE_RUNNER_PERMS, profile_of
from cases.selectors import responsibility_q
from cases.statistics import DISSATISFIED_MAX, SATISFIED_MIN, Rate, day_bounds
from knowledge.models import Department

from .periods import MONTH, WEEK, period_label, period_start, periods, trend_line, trend_slope, weighted_percentile

UNSET = "—"
TOP_QUERIES = 10


@dataclass(frozen=True)
class TrendFilter:
    date_from: datetime.date
    date_to: datetime.date
    granularity: str = MONTH
    district_id: int | None = None
    hall_id: int | None = None
    department_id: int | None = None
    classification: str = ""
    channel: str = ""


@dataclass
class Table:
    """One figure: a table (the export and the accessible data) and, optionally, its chart."""

    key: str
    title: str
    headings: list[str]
    rows: list[list] = field(default_factory=list)
    chart: dict | None = None
    note: str = ""


def department_only(user) -> bool:
    """A department's own staff (部门经办人): they answer for dispatches, not for cases."""
    return not (user.is_superuser or any(user.has_perm(p) for p in CASE_RUNNER_PERMS))


def own_department_id(user) -> int | None:
    profile = profile_of(user)
    return profile.department_id if profile else None


def narrowed_facts(user, f: TrendFilter) -> QuerySet[CaseTrendFact]:
    """The trend summary rows of the cases ``user`` answers for (``responsible_cases_for``: the
    fact's pk is its case's), narrowed by the filter's place, department, class and channel."""
    q = responsibility_q(user)
    return _narrowed(CaseTrendFact.objects.all() if q is None else CaseTrendFact.objects.filter(q), f)


def facts_created(user, f: TrendFilter) -> QuerySet[CaseTrendFact]:
    """Facts of the narrowed cases registered in the period."""
    return narrowed_facts(user, f).filter(created_day__gte=f.date_from, created_day__lte=f.date_to)


def facts_closed(user, f: TrendFilter) -> QuerySet[CaseTrendFact]:
    """Facts of the narrowed cases closed (办结 or 归档) in the period."""
    return narrowed_facts(user, f).filter(closed_day__gte=f.date_from, closed_day__lte=f.date_to)


def _narrowed(cases: QuerySet, f: TrendFilter) -> QuerySet:
    if f.district_id:
        cases = cases.filter(district_id=f.district_id)
    if f.hall_id:
        cases = cases.filter(hall_id=f.hall_id)
    if f.department_id:
        cases = cases.filter(pk__in=Dispatch.objects.filter(department_id=f.department_id).values("case_id"))
    if f.classification:
        cases = cases.filter(classification=f.classification)
    if f.channel:
        cases = cases.filter(channel=f.channel)
    return cases.order_by()


def _fixed_utc_offset_minutes() -> int | None:
    tz = timezone.get_current_timezone()
    offsets = {
        datetime.datetime(year, month, 1, tzinfo=tz).utcoffset()
        for year in (2000, timezone.now().year + 1) for month in (1, 4, 7, 10)
    }
    return int(offsets.pop().total_seconds() // 60) if len(offsets) == 1 else None


class _LocalPeriodSQLite:
    """SQLite: the local week (Monday) or month start of a timestamp by date() modifiers. Django
    converts every row through a Python function (about a second per 100,000 rows); a zone
    without daylight saving, such as Asia/Shanghai, is a fixed shift date() applies at C speed."""

    modifiers: tuple[str, ...] = ()

    def as_sqlite(self, compiler, connection, **extra_context):
        offset = _fixed_utc_offset_minutes()
        if offset is None:
            return super().as_sqlite(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        marks = ", ".join(["%s"] * (1 + len(self.modifiers)))
        return f"date({sql}, {marks})", [*params, f"{offset:+d} minutes", *self.modifiers]


class LocalMonth(_LocalPeriodSQLite, TruncMonth):
    modifiers = ("start of month",)


class LocalWeek(_LocalPeriodSQLite, TruncWeek):
    modifiers = ("-6 days", "weekday 1")  # back six days, then forward to a Monday: this week's Monday


def _per_day(b: "_Buckets", qs: QuerySet, day_field: str, *group: str, **aggregates) -> QuerySet:
    """Aggregates per stored local day (``day``) of a summary table, grouped in the database
    (a few rows per day, whatever the number of cases); ``_Buckets.index`` puts each day in
    its week or month. Grouping by the day itself, in the order of the covering index that
    starts with it, spares SQLite a sort of every row by a computed month (4 times slower)."""
    return qs.order_by().values(*group, day=F(day_field)).annotate(**aggregates).order_by()


def _per_period(b: "_Buckets", qs: QuerySet, date_field: str, *group: str, **aggregates) -> QuerySet:
    """Aggregates per week or month start (``day``), grouped in the database."""
    period = (LocalWeek if b.granularity == WEEK else LocalMonth)(date_field, output_field=DateField())
    return qs.order_by().annotate(day=period).values("day", *group).annotate(**aggregates).order_by()


class _Buckets:
    """Totals per period, every period present from the start (zero until counted)."""

    def __init__(self, f: TrendFilter):
        self.granularity = f.granularity
        self.starts = periods(f.date_from, f.date_to, f.granularity)
        self.labels = [period_label(s, f.granularity) for s in self.starts]
        self._index = {s: i for i, s in enumerate(self.starts)}

    def index(self, day: datetime.date) -> int | None:
        return self._index.get(period_start(day, self.granularity))

    def zeros(self) -> list[int]:
        return [0] * len(self.starts)


def _series_chart(kind: str, labels: list[str], datasets: list[tuple[str, list]], *, stacked=False,
                  percent=False, dashed: tuple[int, ...] = ()) -> dict:
    return {
        "type": kind,
        "labels": labels,
        "stacked": stacked,
        "percent": percent,
        "datasets": [
            {"label": label, "data": data, "dashed": i in dashed} for i, (label, data) in enumerate(datasets)
        ],
    }


def _percent(part: int, whole: int) -> float | None:
    return Rate(part, whole).percent


# --- 受理趋势 ---------------------------------------------------------------------


def intake_tables(user, f: TrendFilter) -> list[Table]:
    b = _Buckets(f)
    total = b.zeros()
    classes = {value: b.zeros() for value, _label in Case.Classification.choices} | {"": b.zeros()}
    causes = {value: b.zeros() for value, _label in Case.BlockingCause.choices} | {"": b.zeros()}
    rows = _per_day(b, facts_created(user, f), "created_day", "classification", "blocking_cause", n=Count("pk"))
    for row in rows:
        i = b.index(row["day"])
        if i is None:
            continue
        total[i] += row["n"]
        classes.setdefault(row["classification"], b.zeros())[i] += row["n"]
        causes.setdefault(row["blocking_cause"], b.zeros())[i] += row["n"]
    line = trend_line(total)
    slope = trend_slope(total)
    if slope is None:
        note = ""
    elif slope < 0:
        note = gettext("趋势线每期减少 %(n)s 件：受理量在下降。") % {"n": abs(slope)}
    elif slope > 0:
        note = gettext("趋势线每期增加 %(n)s 件：受理量在上升。") % {"n": slope}
    else:
        note = gettext("趋势线持平。")
    tables = [
        Table(
            key="intake", title=gettext("受理量与趋势线"),
            headings=[gettext("期间"), gettext("受理"), gettext("趋势线")],
            rows=[[label, n, t] for label, n, t in zip(b.labels, total, line)],
            chart=_series_chart("line", b.labels, [(gettext("受理"), total), (gettext("趋势线"), line)],
                                dashed=(1,)),
            note=note,
        )
    ]
    for key, title, heading, labels, counts in (
        ("intake_class", gettext("按分类的受理量"), gettext("分类"), dict(Case.Classification.choices), classes),
        ("intake_cause", gettext("按堵点原因的受理量"), gettext("堵点原因"), dict(Case.BlockingCause.choices), causes),
    ):
        names = [(str(labels.get(value, gettext("未研判"))), counts[value]) for value in [*labels, ""]]
        names = [(name, data) for name, data in names if any(data)] or [(gettext("受理"), b.zeros())]
        tables.append(Table(
            key=key, title=title,
            headings=[gettext("期间"), *[name for name, _d in names]],
            rows=[[label, *[data[i] for _n, data in names]] for i, label in enumerate(b.labels)],
            chart=_series_chart("bar", b.labels, names, stacked=True),
            note=gettext("反复出现的%(what)s：各期柱形中占比持续较大的部分。") % {"what": heading},
        ))
    return tables


# --- 办理结果 ---------------------------------------------------------------------


def resolution_tables(user, f: TrendFilter) -> list[Table]:
    b = _Buckets(f)
    today = timezone.localdate()
    outcomes = {value: b.zeros() for value, _l in Case.Outcome.choices} | {"": b.zeros()}
    closed = b.zeros()
    for row in _per_day(b, facts_closed(user, f), "closed_day", "outcome", n=Count("pk")):
        i = b.index(row["day"])
        if i is None:
            continue
        closed[i] += row["n"]
        outcomes.setdefault(row["outcome"], b.zeros())[i] += row["n"]
    outcome_names = [(str(label), outcomes[value]) for value, label in Case.Outcome.choices]
    if any(outcomes[""]):
        outcome_names.append((gettext("未填写结果"), outcomes[""]))
    done = outcomes[Case.Outcome.DONE]
    tables = [Table(
        key="outcome", title=gettext("办结结果构成"),
        headings=[gettext("期间"), gettext("办结"), *[n for n, _d in outcome_names], gettext("办成占比（%）")],
        rows=[[label, closed[i], *[d[i] for _n, d in outcome_names], _percent(done[i], closed[i])]
              for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, outcome_names, stacked=True),
        note=gettext("按办结日期归入期间；占比为百分数。"),
    )]

    per_period: list[list[tuple[int, int]]] = [[] for _ in b.starts]
    for row in _per_day(b, facts_closed(user, f), "closed_day", "working_days", n=Count("pk")):
        i = b.index(row["day"])
        if i is not None:
            per_period[i].append((row["working_days"], row["n"]))
    medians = [weighted_percentile(v, 0.5) for v in per_period]
    p90s = [weighted_percentile(v, 0.9) for v in per_period]
    tables.append(Table(
        key="close_days", title=gettext("办结用时（工作日）"),
        headings=[gettext("期间"), gettext("办结"), gettext("中位数"), gettext("第 90 百分位")],
        rows=[[label, closed[i], medians[i], p90s[i]] for i, label in enumerate(b.labels)],
        chart=_series_chart("line", b.labels, [(gettext("中位数"), medians), (gettext("第 90 百分位"), p90s)]),
        note=gettext("从登记之日到办结之日的工作日数（节假日与调休按工作日历计算）；无办结的期间不计。"),
    ))

    registered = facts_created(user, f)
    totals = {k: b.zeros() for k in ("n", "late", "open_overdue", "escalated", "returns")}
    for row in _per_day(
        b, registered, "created_day",
        n=Count("pk"),
        late=Count("pk", filter=Q(closed=True, closed_day__gt=F("deadline"))),
        open_overdue=Count("pk", filter=Q(closed=False, deadline__lt=today)),
        escalated=Count("pk", filter=Q(escalated=True)),
        returns=Sum("return_count"),
    ):
        i = b.index(row["day"])
        if i is not None:
            for k in totals:
                totals[k][i] += row[k] or 0
    tables.append(Table(
        key="overdue", title=gettext("超期、提级督办与退单"),
        headings=[gettext("期间"), gettext("受理"), gettext("超期办结"), gettext("超期未办结"),
                  gettext("提级督办"), gettext("退单/改派次数")],
        rows=[[label, *[totals[k][i] for k in totals]] for i, label in enumerate(b.labels)],
        chart=_series_chart("line", b.labels, [
            (gettext("超期办结"), totals["late"]), (gettext("超期未办结"), totals["open_overdue"]),
            (gettext("提级督办"), totals["escalated"]), (gettext("退单/改派次数"), totals["returns"]),
        ]),
        note=gettext("按登记日期归入期间；超期未办结以今天计。"),
    ))
    tables.append(department_table(user, f, registered, today))
    return tables


def _only_the_period_narrows_dispatches(user, f: TrendFilter) -> bool:
    """Whether the department table's dispatches are simply those of the cases registered in
    the period (then their department's or the filter's), whatever else scopes the cases."""
    if f.district_id or f.hall_id or f.classification or f.channel:
        return False
    if department_only(user):
        own = own_department_id(user)
        # Their scope holds every case their department was dispatched: each row they are shown.
        return bool(own) and user.has_perm("cases.view_department_cases") and f.department_id in (None, own)
    # A department filter keeps the cases dispatched to it, and then only its dispatches.
    return responsibility_q(user) is None


def department_table(user, f: TrendFilter, cases: QuerySet[CaseTrendFact], today: datetime.date) -> Table:
    """Each department's dispatches on these cases (their summary rows), 主办 and 协办 on separate rows."""
    if _only_the_period_narrows_dispatches(user, f):
        # Their own copy of the registration day: no join to the cases (a third of the time).
        dispatches = DispatchTrendFact.objects.filter(created_day__gte=f.date_from, created_day__lte=f.date_to)
    else:
        dispatches = DispatchTrendFact.objects.filter(case_id__in=cases.values("pk"))
    if department_only(user):
        dispatches = dispatches.filter(department_id=own_department_id(user))
    elif f.department_id:
        dispatches = dispatches.filter(department_id=f.department_id)
    # Per day too, the order of the covering indexes (SQLite need not sort every dispatch).
    grouped = list(
        dispatches.order_by().values("department_id", "role", day=F("created_day"))
        .annotate(
            n=Count("pk"),
            replied=Count("pk", filter=Q(replied=True)),
            on_time=Count("pk", filter=Q(on_time=True)),
            returned=Count("pk", filter=Q(returned=True)),
            overdue=Count("pk", filter=Q(pending=True, deadline__lt=today)),
            escalated=Count("pk", filter=Q(case_id__in=cases.filter(escalated=True).values("pk"))),
        )
        .order_by()
    )
    # A row per department name and role, as the table always grouped (names need not be unique).
    names = dict(Department.objects.filter(pk__in={r["department_id"] for r in grouped}).values_list("pk", "name"))
    merged: dict[tuple[str, str], dict] = {}
    for r in grouped:
        row = merged.setdefault((names[r["department_id"]], r["role"]), dict.fromkeys(
            ("n", "replied", "on_time", "returned", "overdue", "escalated"), 0))
        for k in row:
            row[k] += r[k]
    rows = [{"department__name": name, "role": role, **counts} for (name, role), counts in merged.items()]
    roles = dict(Dispatch.Role.choices)
    out = [
        [r["department__name"], str(roles[r["role"]]), r["n"], r["replied"], _percent(r["on_time"], r["replied"]),
         r["returned"], r["overdue"], r["escalated"]]
        for r in rows
    ]
    out.sort(key=lambda r: (-r[2], r[0], r[1]))
    return Table(
        key="departments", title=gettext("各部门办理（主办、协办分列）"),
        headings=[gettext("部门"), gettext("角色"), gettext("分办"), gettext("已答复"), gettext("按时答复率（%）"),
                  gettext("退单"), gettext("超期未答复"), gettext("所涉案件已提级督办")],
        rows=out,
        chart=_series_chart(
            "bar", [f"{r[0]}（{r[1]}）" for r in out[:15]],
            [(gettext("分办"), [r[2] for r in out[:15]]), (gettext("超期未答复"), [r[6] for r in out[:15]])],
        ) if out else None,
        note=gettext("按所涉案件的登记日期统计。"),
    )


# --- 好差评 -----------------------------------------------------------------------


def satisfaction_tables(user, f: TrendFilter) -> list[Table]:
    b = _Buckets(f)
    today = timezone.localdate()
    closed = b.zeros()
    ratings = {value: b.zeros() for value, _l in Case.Rating.choices}
    for row in _per_day(b, facts_closed(user, f), "closed_day", "rating", n=Count("pk")):
        i = b.index(row["day"])
        if i is None:
            continue
        closed[i] += row["n"]
        if row["rating"] is not None:
            ratings[row["rating"]][i] += row["n"]
    rated = [sum(ratings[v][i] for v in ratings) for i in range(len(b.starts))]
    satisfied = [sum(ratings[v][i] for v in ratings if v >= SATISFIED_MIN) for i in range(len(b.starts))]
    dissatisfied = [sum(ratings[v][i] for v in ratings if v <= DISSATISFIED_MAX) for i in range(len(b.starts))]
    names = [(str(label), ratings[value]) for value, label in Case.Rating.choices]
    tables = [Table(
        key="ratings", title=gettext("好差评分布"),
        headings=[gettext("期间"), gettext("办结"), gettext("已评价"), gettext("参评率（%）"), *[n for n, _d in names],
                  gettext("满意率（%）"), gettext("差评")],
        rows=[[label, closed[i], rated[i], _percent(rated[i], closed[i]), *[d[i] for _n, d in names],
               _percent(satisfied[i], rated[i]), dissatisfied[i]] for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, names, stacked=True),
        note=gettext("按办结日期归入期间；满意率 = 满意与非常满意 ÷ 已评价。"),
    )]
    start, end = day_bounds(f.date_from, f.date_to)
    rectifications = Rectification.objects.filter(
        case_id__in=narrowed_facts(user, f).values("pk"), created_at__gte=start, created_at__lt=end
    )
    totals = {k: b.zeros() for k in ("n", "done", "open", "overdue")}
    for row in _per_period(
        b,
        rectifications, "created_at",
        n=Count("pk"),
        done=Count("pk", filter=Q(status=Rectification.Status.DONE)),
        open=Count("pk", filter=~Q(status=Rectification.Status.DONE)),
        overdue=Count("pk", filter=~Q(status=Rectification.Status.DONE) & Q(deadline__lt=today)),
    ):
        i = b.index(row["day"])
        if i is not None:
            for k in totals:
                totals[k][i] += row[k]
    tables.append(Table(
        key="rectifications", title=gettext("差评整改"),
        headings=[gettext("期间"), gettext("新开整改"), gettext("已整改"), gettext("未完成"), gettext("其中超期")],
        rows=[[label, *[totals[k][i] for k in totals]] for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, [(gettext("已整改"), totals["done"]), (gettext("未完成"), totals["open"])],
                            stacked=True),
        note=gettext("按整改开启日期归入期间；未完成与超期以今天计。"),
    ))
    return tables


# --- 知识沉淀 ---------------------------------------------------------------------


def knowledge_tables(user, f: TrendFilter) -> list[Table]:
    from knowledge.models import ArticleFeedback

    b = _Buckets(f)
    totals = {k: b.zeros() for k in ("n", "linked")}
    linked_ids = CaseArticleLink.objects.values("case_id")
    for row in _per_day(b, facts_created(user, f), "created_day", n=Count("pk"),
                        linked=Count("pk", filter=Q(pk__in=linked_ids))):
        i = b.index(row["day"])
        if i is not None:
            totals["n"][i] += row["n"]
            totals["linked"][i] += row["linked"]
    rate = [_percent(totals["linked"][i], totals["n"][i]) for i in range(len(b.starts))]
    tables = [Table(
        key="link_rate", title=gettext("关联指引的案件（关联率）"),
        headings=[gettext("期间"), gettext("受理"), gettext("关联了指引"), gettext("关联率（%）")],
        rows=[[label, totals["n"][i], totals["linked"][i], rate[i]] for i, label in enumerate(b.labels)],
        chart=_series_chart("line", b.labels, [(gettext("关联率（%）"), rate)], percent=True),
        note=gettext("按登记日期归入期间；关联包括“解决了本案”“已引用”“由本案起草”。"),
    )]

    start, end = day_bounds(f.date_from, f.date_to)
    links = CaseArticleLink.objects.filter(
        case_id__in=narrowed_facts(user, f).values("pk"), created_at__gte=start, created_at__lt=end
    )
    Relation = CaseArticleLink.Relation
    guide = {k: b.zeros() for k in ("drafted", "reused")}
    drafted_pages = [set() for _ in b.starts]
    for row in _per_period(b, links, "created_at", "relation", "page_id", n=Count("pk")):
        i = b.index(row["day"])
        if i is None:
            continue
        if row["relation"] == Relation.DRAFTED_FROM:
            drafted_pages[i].add(row["page_id"])
        else:
            guide["reused"][i] += row["n"]
    guide["drafted"] = [len(pages) for pages in drafted_pages]
    columns = [gettext("由案件起草的指引"), gettext("指引被复用（解决或引用）")]
    if not department_only(user):
        helpful = {True: b.zeros(), False: b.zeros()}
        feedback = ArticleFeedback.objects.filter(created_at__gte=start, created_at__lt=end)
        for row in _per_period(b, feedback, "created_at", "helpful", n=Count("pk")):
            i = b.index(row["day"])
            if i is not None:
                helpful[row["helpful"]][i] += row["n"]
        guide["helpful"], guide["unhelpful"] = helpful[True], helpful[False]
        columns += [gettext("读者“有帮助”"), gettext("读者“没帮助”")]
    tables.append(Table(
        key="guides", title=gettext("指引的产生与复用"),
        headings=[gettext("期间"), *columns],
        rows=[[label, *[guide[k][i] for k in guide]] for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, list(zip(columns, guide.values()))),
        note=gettext("按起草、关联或读者反馈的日期归入期间；读者反馈为全市公开页面的数据，不按区或部门筛选。")
        if not department_only(user) else gettext("按起草或关联的日期归入期间。"),
    ))
    if not department_only(user):
        tables.append(deflection_table(f, b))
        tables.append(search_deflection_table(f, b))
    return tables


def deflection_table(f: TrendFilter, b: _Buckets) -> Table:
    from cases.models import GuideVisit

    start, end = day_bounds(f.date_from, f.date_to)
    totals = {k: b.zeros() for k in ("visits", "reported")}
    visits = GuideVisit.objects.filter(created_at__gte=start, created_at__lt=end)
    for row in _per_period(b, visits, "created_at", n=Count("pk"), reported=Count("pk", filter=Q(reported=True))):
        i = b.index(row["day"])
        if i is not None:
            totals["visits"][i] += row["n"]
            totals["reported"][i] += row["reported"]
    deflected = [v - r for v, r in zip(totals["visits"], totals["reported"])]
    share = [_percent(d, v) for d, v in zip(deflected, totals["visits"])]
    return Table(
        key="deflection", title=gettext("分流：看过指引后未再反映"),
        headings=[gettext("期间"), gettext("从“提交前看看”打开指引"), gettext("随后仍提交了反映"),
                  gettext("未再反映"), gettext("分流率（%）")],
        rows=[[label, totals["visits"][i], totals["reported"][i], deflected[i], share[i]]
              for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, [(gettext("未再反映"), deflected), (gettext("随后仍提交了反映"),
                                                                               totals["reported"])], stacked=True),
        note=gettext("在线反映页面“提交前看看”中的指引被打开的次数；同一浏览器会话随后提交了反映的记为“仍提交”。"
                     "全市数据，不按区或部门筛选。"),
    )


# Search results that are guides (the documents a reader can be deflected by).
GUIDE_DOCS = Q(doc__startswith="article:") | Q(doc__startswith="guide:")


def search_deflection_table(f: TrendFilter, b: _Buckets) -> Table:
    """Public readers who opened a guide from search results, per day, and how many of them
    filed an online report later that day. A reader is the click's daily marker (a keyed hash
    of the address and the day), so a reader-day is the unit and nothing links days."""
    from search.analytics import ROLE_ANONYMOUS
    from search.models import QueryClick

    start, end = day_bounds(f.date_from, f.date_to)
    clicks = QueryClick.objects.filter(GUIDE_DOCS, role=ROLE_ANONYMOUS, created_at__gte=start,
                                       created_at__lt=end).exclude(client="")
    totals = {k: b.zeros() for k in ("readers", "reported")}
    # The marker changes every day, so distinct markers in a period are its reader-days.
    for row in _per_period(b, clicks, "created_at", readers=Count("client", distinct=True),
                           reported=Count("client", distinct=True, filter=Q(reported=True))):
        i = b.index(row["day"])
        if i is not None:
            totals["readers"][i] += row["readers"]
            totals["reported"][i] += row["reported"]
    deflected = [n - r for n, r in zip(totals["readers"], totals["reported"])]
    share = [_percent(d, n) for d, n in zip(deflected, totals["readers"])]
    return Table(
        key="search_deflection", title=gettext("分流：从搜索打开指引后未再反映"),
        headings=[gettext("期间"), gettext("从搜索打开指引的读者（人·日）"), gettext("当天随后仍提交了反映"),
                  gettext("未再反映"), gettext("分流率（%）")],
        rows=[[label, totals["readers"][i], totals["reported"][i], deflected[i], share[i]]
              for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, [(gettext("未再反映"), deflected),
                                              (gettext("当天随后仍提交了反映"), totals["reported"])], stacked=True),
        note=gettext("公众在站内搜索结果中打开办事指引或政策衔接指引：同一访客一天内计一次（访客标记是地址与当天的"
                     "不可逆散列，次日即变，不存储地址，也不关联到任何反映）；同一标记当天随后在线提交了反映的记为"
                     "“仍提交”，其余为“未再反映”。分流率 = 未再反映 ÷ 读者。全市数据，不按区或部门筛选。"),
    )


# --- 搜索 -------------------------------------------------------------------------


def search_tables(user, f: TrendFilter) -> list[Table]:
    from search.analytics import query_day_counts
    from search.models import QueryClick

    b = _Buckets(f)
    start, end = day_bounds(f.date_from, f.date_to)
    # Searches per day and query (kept as searches are logged), not the logged searches themselves.
    days = query_day_counts(f.date_from, f.date_to)
    totals = {k: b.zeros() for k in ("searches", "zero", "clicks")}
    for row in _per_day(b, days, "date", n=Sum("searches"), zero=Sum("zero_results")):
        i = b.index(row["day"])
        if i is not None:
            totals["searches"][i] += row["n"]
            totals["zero"][i] += row["zero"]
    for row in _per_period(b, QueryClick.objects.filter(created_at__gte=start, created_at__lt=end), "created_at",
                        n=Count("pk")):
        i = b.index(row["day"])
        if i is not None:
            totals["clicks"][i] += row["n"]
    ctr = [_percent(c, s) for c, s in zip(totals["clicks"], totals["searches"])]
    zero_share = [_percent(z, s) for z, s in zip(totals["zero"], totals["searches"])]
    tables = [Table(
        key="searches", title=gettext("搜索量、无结果与点击率"),
        headings=[gettext("期间"), gettext("搜索"), gettext("无结果"), gettext("无结果占比（%）"), gettext("点击"),
                  gettext("点击率（%）")],
        rows=[[label, totals["searches"][i], totals["zero"][i], zero_share[i], totals["clicks"][i], ctr[i]]
              for i, label in enumerate(b.labels)],
        chart=_series_chart("line", b.labels, [(gettext("搜索"), totals["searches"]), (gettext("无结果"), totals["zero"]),
                                               (gettext("点击"), totals["clicks"])]),
        note=gettext("全站搜索（公众与工作人员），不按区或部门筛选；点击率 = 点击 ÷ 搜索。"),
    )]
    for key, title, qs in (
        ("top_queries", gettext("热门搜索词"), days),
        ("zero_queries", gettext("无结果搜索词"), days.filter(zero_results__gt=0)),
    ):
        # The ten most searched first, then the clicks of those ten only (clicks ÷ searches,
        # as in the 热门搜索 report); a per-query click subquery over every query costs seconds.
        top = list(
            qs.order_by().values("query")
            .annotate(n=Sum("zero_results" if key == "zero_queries" else "searches"), zero=Sum("zero_results"))
            .order_by("-n", "query")[:TOP_QUERIES]
        )
        clicks = dict(
            QueryClick.objects.filter(query__in=[r["query"] for r in top], created_at__gte=start, created_at__lt=end)
            .order_by().values("query").annotate(n=Count("pk")).values_list("query", "n")
        )
        tables.append(Table(
            key=key, title=title,
            headings=[gettext("搜索词"), gettext("搜索"), gettext("无结果"), gettext("点击"), gettext("点击率（%）")],
            rows=[[r["query"], r["n"], r["zero"], clicks.get(r["query"], 0),
                   _percent(clicks.get(r["query"], 0), r["n"])] for r in top],
        ))
    return tables


# --- 容缺受理 ---------------------------------------------------------------------


def ledger_tables(user, f: TrendFilter) -> list[Table]:
    b = _Buckets(f)
    today = timezone.localdate()
    Status = MissingMaterial.Status
    materials = MissingMaterial.objects.filter(case_id__in=facts_created(user, f).values("pk"))
    totals = {k: b.zeros() for k in ("n", "outstanding", "received", "waived", "overdue")}
    for row in _per_day(
        b, materials, "case__trend_fact__created_day",
        n=Count("pk"),
        outstanding=Count("pk", filter=Q(status=Status.OUTSTANDING)),
        received=Count("pk", filter=Q(status=Status.RECEIVED)),
        waived=Count("pk", filter=Q(status=Status.WAIVED)),
        overdue=Count("pk", filter=Q(status=Status.OUTSTANDING, promised_date__lt=today)),
    ):
        i = b.index(row["day"])
        if i is not None:
            for k in totals:
                totals[k][i] += row[k]
    return [Table(
        key="ledger", title=gettext("容缺受理台账"),
        headings=[gettext("期间"), gettext("容缺材料"), gettext("待补齐"), gettext("已补齐"), gettext("免于提交"),
                  gettext("超期未补齐")],
        rows=[[label, *[totals[k][i] for k in totals]] for i, label in enumerate(b.labels)],
        chart=_series_chart("bar", b.labels, [(gettext("已补齐"), totals["received"]),
                                              (gettext("免于提交"), totals["waived"]),
                                              (gettext("待补齐"), totals["outstanding"])], stacked=True),
        note=gettext("按案件登记日期归入期间；超期未补齐以今天计。"),
    )]


# key -> (tab label, tables); the order is the tabs' order.
SECTIONS = {
    "intake": (_("受理趋势"), intake_tables),
    "resolution": (_("办理结果"), resolution_tables),
    "satisfaction": (_("好差评"), satisfaction_tables),
    "knowledge": (_("知识沉淀"), knowledge_tables),
    "search": (_("搜索"), search_tables),
    "ledger": (_("容缺台账"), ledger_tables),
}
# Search logs belong to no department: a department's own staff do not get them.
CITY_WIDE_SECTIONS = {"search"}


def sections_for(user) -> list[str]:
    return [key for key in SECTIONS if not (department_only(user) and key in CITY_WIDE_SECTIONS)]
