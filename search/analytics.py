"""Search analytics: what people search for, what they find, what they open.

Privacy by construction: a log row holds the normalised query, counts, a
timestamp and a coarse role (anonymous/staff) — never a user, session or IP. A click
also holds a daily opaque marker (``click_client_key``: a keyed hash of the day and the
address, or the signed-in user) to count distinct readers; nothing links one day to the next.
Each search or click costs one INSERT (a search also one upsert of its day's count for
统计分析, ``QueryDayCount``); reports aggregate at read time.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, ExpressionWrapper, F, Func, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from kernel.content_version import page_served_from_cache
from kernel.personal_data import deidentify
from kernel.ratelimit import Limit, client_address, limit_from_settings, opaque_key, subscriber_address

logger = logging.getLogger(__name__)

ROLE_ANONYMOUS = "anonymous"
ROLE_STAFF = "staff"
MAX_LOGGED_QUERY = 200

# A past query is offered to other readers as a suggestion only when readers on at least
# SUGGEST_MIN_CLIENTS different addresses opened a result from it (searching alone plants
# nothing: a script can repeat a search, not easily click from many addresses), or when an
# editor approved it (SuggestionRule); never when it contains a blocked phrase or looks
# like personal data (phone or ID numbers, e-mail addresses, the 【…】 placeholder).
SUGGEST_MIN_CLIENTS = 3
_PERSONAL_LOOKING = re.compile(r"\d{6,}|@|\d{3,4}[- ]\d{4}|【")


def role_for(user) -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return ROLE_STAFF
    return ROLE_ANONYMOUS


def normalize_query(q: str) -> str:
    """One spelling per query for counting: width, case, traditional forms and spaces folded
    (the same normalisation the engines apply, so 後/后 and ＡＢＣ/abc count together)."""
    try:
        from .analysis import normalize
    except ImportError:  # analysis not importable: plain NFKC + lowercase still helps
        text = unicodedata.normalize("NFKC", q or "").lower()
    else:
        text = normalize(q or "")
    return " ".join(text.split())[:MAX_LOGGED_QUERY]


def loggable_query(q: str) -> str:
    """The query as analytics may keep it: personal data replaced, then normalised.

    Readers type their phone or ID number into the search box; the reports and their
    exports show queries to editors, who must never see those.
    """
    return normalize_query(deidentify((q or "")[: MAX_LOGGED_QUERY * 2]).text)


def _log_limit() -> Limit:
    # Bounds what one client can write into the log (a script replaying cached search
    # pages would otherwise add a row per request); people search far less often.
    return limit_from_settings("search_log", "BANCHENG_SEARCH_LOG_RATE_LIMIT", (30, 60))


def log_search(*, query: str, result_count: int, role: str, client: str | None = None) -> None:
    """Record one search (a single INSERT). Empty queries (pure browsing) are not logged,
    nor searches beyond the per-client log quota (``client``: its rate-limit address)."""
    from .models import QueryLog

    normalized = loggable_query(query)
    if not normalized:
        return
    if client is not None and _log_limit().exceeded(subscriber_address(client)):
        return
    try:
        with transaction.atomic():  # the log and its day's count together (``count_search``)
            QueryLog.objects.create(
                query=normalized,
                result_count=max(0, int(result_count)),
                zero_result=result_count == 0,
                role=role,
            )
    except DatabaseError:
        # Analytics must never break the search itself.
        logger.warning("could not log a search query", exc_info=True)


def click_client_key(address: str) -> str:
    """Today's opaque marker for a reader's address (distinct readers per query, nothing more);
    an IPv6 address counts by its /64, which one subscriber holds whole."""
    return opaque_key("search-click", subscriber_address(address), timezone.localdate().isoformat())[:16]


def record_click(*, query: str, doc: str, role: str, position: int | None = None, client: str | None = None) -> None:
    """Record that a result was opened from a search (a single INSERT).

    ``client`` (the reader's rate-limit address, or the signed-in user) becomes today's marker;
    even an empty address gets one. Only ``None`` (a replay of past logs) leaves it blank, and
    the learned ranking counts such clicks one each (``learning/readers.py``)."""
    from .models import QueryClick

    try:
        QueryClick.objects.create(
            query=loggable_query(query), doc=doc[:60], role=role, position=position,
            client=click_client_key(client) if client is not None else "",
        )
    except DatabaseError:
        logger.warning("could not log a search click", exc_info=True)


def prune_logs(*, older_than_days: int, dry_run: bool = False, batch_size: int = 5000) -> dict[str, int]:
    """Delete searches and clicks logged more than ``older_than_days`` days ago.

    In batches of primary keys, so a large backlog never holds one long write lock
    (SQLite) or a huge transaction. Returns the rows deleted (or, dry run, due) per table.
    """
    from .models import QueryClick, QueryLog

    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    counts = {}
    for model in (QueryLog, QueryClick):
        old = model.objects.filter(created_at__lt=cutoff)
        if dry_run:
            counts[model._meta.model_name] = old.count()
            continue
        deleted = 0
        while True:
            pks = list(old.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            deleted += model.objects.filter(pk__in=pks).delete()[0]
        counts[model._meta.model_name] = deleted
    if not dry_run:
        _recount_days_before(cutoff)
    return counts


# --- searches per day and query (QueryDayCount) ----------------------------------
# 统计分析 reads these instead of grouping every logged search by its text. Counted
# as each search is logged; days reached by pruning are recounted from the logs left.


def count_search(log) -> None:
    """Add one logged search to its day's count (one upsert: concurrent searches of the
    same query on the same day each add theirs)."""
    from .models import QueryDayCount

    table, day, query, searches, zero = (connection.ops.quote_name(name) for name in (
        QueryDayCount._meta.db_table, "date", "query", "searches", "zero_results"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({day}, {query}, {searches}, {zero}) VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT ({day}, {query}) DO UPDATE SET {searches} = {table}.{searches} + 1, "
            f"{zero} = {table}.{zero} + excluded.{zero}",
            [timezone.localtime(log.created_at).date(), log.query, int(bool(log.zero_result))],
        )


def _on_query_logged(sender, instance, created=False, raw=False, **kwargs):
    if created and not raw:
        count_search(instance)


def connect_day_counts() -> None:
    from .models import QueryLog

    models.signals.post_save.connect(_on_query_logged, sender=QueryLog, dispatch_uid="search_query_day_counts")


def _recount(*, until: date | None = None) -> int:
    """Replace the day counts up to ``until`` (or all) by a count of the logs of those days;
    returns the rows written."""
    from .models import QueryDayCount, QueryLog

    stale, logs = QueryDayCount.objects.all(), QueryLog.objects.all()
    if until is not None:
        stale = stale.filter(date__lte=until)
        logs = logs.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    counts: dict[tuple[date, str], list[int]] = {}
    for created_at, query, zero in logs.order_by().values_list("created_at", "query", "zero_result").iterator(
        chunk_size=5000
    ):
        n = counts.setdefault((timezone.localtime(created_at).date(), query), [0, 0])
        n[0] += 1
        n[1] += zero
    with transaction.atomic():
        stale.delete()
        QueryDayCount.objects.bulk_create(
            [QueryDayCount(date=day, query=query, searches=n, zero_results=z) for (day, query), (n, z) in counts.items()],
            batch_size=5000,
        )
    return len(counts)


def _recount_days_before(cutoff: datetime) -> None:
    # Days wholly before the cutoff have no logs left; the cutoff's own day keeps some.
    _recount(until=timezone.localtime(cutoff).date())


def rebuild_query_day_counts() -> int:
    """Every day's counts from the logs (after a bulk load); returns the rows written."""
    return _recount()


def query_day_counts(date_from: date, date_to: date) -> models.QuerySet:
    """The searches per day and query of these local days (``date``, ``query``, ``searches``,
    ``zero_results``), for aggregate figures."""
    from .models import QueryDayCount

    return QueryDayCount.objects.filter(date__gte=date_from, date__lte=date_to)


def clicks_mark_reported(*, client: str) -> int:
    """A public reader at ``client`` (their rate-limit address) filed an online report: their
    guide clicks from search earlier today did not deflect it. Only today's marker can match."""
    from .models import QueryClick

    if not client:
        return 0
    return QueryClick.objects.filter(
        client=click_client_key(client), role=ROLE_ANONYMOUS, reported=False,
        created_at__gte=_day_start(timezone.localdate()),
    ).update(reported=True)


def long_read_seconds() -> int:
    """Visible seconds on a result opened from a search that make a long read (a setting)."""
    from django.conf import settings

    return max(1, int(getattr(settings, "BANCHENG_LONG_READ_SECONDS", 30)))


def record_long_read(*, query: str, doc: str, role: str, client: str) -> bool:
    """Mark that the page a reader opened from a search stayed visible for the read threshold.

    Only a click of the same de-identified query and document by the same client marker today
    (``client`` as for ``record_click``: the same address or signed-in user, the same day, the
    same role) is marked, and only once: a read cannot be made up without a click, nor counted
    twice for one. The click must be at least the threshold old (a beacon sent sooner did not
    wait). Returns whether a click was marked."""
    from .models import QueryClick

    normalized = loggable_query(query)
    if not normalized:
        return False
    now = timezone.now()
    unread = QueryClick.objects.filter(
        query=normalized, doc=doc[:60], role=role, client=click_client_key(client), read_at__isnull=True,
        created_at__gte=_day_start(timezone.localdate()),
        created_at__lte=now - timedelta(seconds=long_read_seconds()),
    )
    try:
        # Conditional UPDATE: of two beacons racing for one click only one marks it; the loser
        # tries the next unread click of the same reader, if any.
        for _attempt in range(2):
            pk = unread.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
            if pk is None:
                return False
            if QueryClick.objects.filter(pk=pk, read_at__isnull=True).update(read_at=now):
                return True
    except DatabaseError:
        logger.warning("could not log a long read", exc_info=True)
    return False


# --- searches answered from the anonymous page cache ---------------------------
# The page cache replays cached search pages without running the view; the view
# remembers each URL's result count so that a replayed view is still logged.

RESULT_COUNT_TTL = 24 * 3600


def _count_key(params: dict) -> str:
    raw = "\n".join(f"{k}={params.get(k) or ''}" for k in ("q", "type", "department", "topic", "tag", "district", "page"))
    return "bancheng:search:count:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def remember_result_count(params: dict, count: int) -> None:
    cache.set(_count_key(params), int(count), RESULT_COUNT_TTL)


def log_cached_search(request) -> None:
    """Log a search page view that the page cache answered (same row as a rendered view)."""
    from .forms import SearchForm

    if request.path != "/search/":
        return
    form = SearchForm(request.GET)
    if not form.is_valid() or not form.cleaned_data["q"]:
        return
    count = cache.get(_count_key(form.cleaned_data))
    if count is None:
        return
    log_search(
        query=form.cleaned_data["q"], result_count=count, role=ROLE_ANONYMOUS, client=client_address(request)
    )


def _on_page_served_from_cache(sender, request, **kwargs):
    try:
        log_cached_search(request)
    except Exception:  # analytics must never break a cached response
        logger.warning("could not log a cached search view", exc_info=True)


def connect_cache_signal() -> None:
    page_served_from_cache.connect(_on_page_served_from_cache, dispatch_uid="search_analytics_cached_view")


connect_cache_signal()


# --- reads --------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _PerGroup(ExpressionWrapper):
    """An expression of aggregates and subqueries correlated on grouped columns only.

    Django groups by every non-aggregate annotation; grouping by the clicks subquery
    made the database run it once per log row instead of once per query (4 s for
    500,000 searches on SQLite). This one needs no GROUP BY entry.
    """

    def get_group_by_cols(self):
        return []


def query_stats(logs: models.QuerySet, *, since: date | None = None, until: date | None = None):
    """Per-query aggregates over ``logs`` (a QueryLog queryset, already filtered).

    Rows are dicts: query, searches, zero_results, avg_results, clicks,
    click_through (clicks per search, 0..n), last_searched.
    """
    from .models import QueryClick

    clicks = QueryClick.objects.filter(query=OuterRef("query"))
    if since:
        clicks = clicks.filter(created_at__gte=_day_start(since))
    if until:
        clicks = clicks.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    # A bare COUNT (0 when there is none) in a subquery kept out of the GROUP BY.
    clicks = clicks.order_by().values(n=Func(F("pk"), function="COUNT"))

    return (
        logs.order_by()
        .values("query")
        .annotate(
            searches=Count("pk"),
            zero_results=Count("pk", filter=Q(zero_result=True)),
            last_result_count=Max("result_count"),
            last_searched=Max("created_at"),
            clicks=_PerGroup(Subquery(clicks), output_field=models.IntegerField()),
        )
        .annotate(
            click_through=_PerGroup(
                Cast(F("clicks"), models.FloatField()) / Cast(F("searches"), models.FloatField()),
                output_field=models.FloatField(),
            )
        )
    )


def top_queries(*, days: int = 30, limit: int = 20) -> list[dict]:
    from .models import QueryLog

    since = timezone.localdate() - timedelta(days=days)
    logs = QueryLog.objects.filter(created_at__gte=_day_start(since))
    return list(query_stats(logs, since=since).order_by("-searches", "query")[:limit])


def zero_result_queries(*, days: int = 30, limit: int = 20) -> list[dict]:
    from .models import QueryLog

    since = timezone.localdate() - timedelta(days=days)
    logs = QueryLog.objects.filter(created_at__gte=_day_start(since), zero_result=True)
    return list(query_stats(logs, since=since).order_by("-searches", "query")[:limit])


def suggestion_rules() -> tuple[list[str], list[str]]:
    """(approved phrases, blocked phrases), normalised like logged queries."""
    from .models import SuggestionRule

    approved, blocked = [], []
    for phrase, action in SuggestionRule.objects.values_list("phrase", "action"):
        normalized = normalize_query(phrase)
        if normalized:
            (approved if action == SuggestionRule.Action.APPROVE else blocked).append(normalized)
    return approved, blocked


def is_blocked(text: str, blocked: list[str]) -> bool:
    normalized = normalize_query(text)
    return any(phrase in normalized for phrase in blocked)


def popular_queries_with_prefix(prefix: str, *, limit: int = 5, days: int = 90) -> list[str]:
    """Editor-approved phrases and past queries that public readers on several addresses clicked through."""
    from .models import QueryClick

    normalized = normalize_query(prefix)
    if not normalized:
        return []
    approved, blocked = suggestion_rules()
    since = timezone.localdate() - timedelta(days=days)
    rows = (
        # Public readers' clicks only: what staff search for (cases, internal matters) is theirs.
        QueryClick.objects.filter(query__startswith=normalized, role=ROLE_ANONYMOUS, created_at__gte=_day_start(since))
        .exclude(client="")
        .order_by()
        .values("query")
        .annotate(n=Count("client", distinct=True))
        .filter(n__gte=SUGGEST_MIN_CLIENTS)
        .order_by("-n", "query")[: limit * 3]
    )
    candidates = [p for p in approved if p.startswith(normalized)] + [row["query"] for row in rows]
    out = []
    for query in candidates:
        if query not in out and not _PERSONAL_LOOKING.search(query) and not is_blocked(query, blocked):
            out.append(query)
        if len(out) >= limit:
            break
    return out
