"""Public pages of the case desk: the online report form and the status lookup.

Staff pages live in ``cases.viewsets`` (Wagtail admin). These pages are never
cached and never show anyone's personal data.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases import selectors, services
from cases.forms import MATTER_MAX, PublicRateForm, PublicReportForm, StatusLookupForm
from cases.models import Case
from cases.precedents import similar_cases_and_articles
from cases.trends import services as trend_services
from kernel.origin import followed_from_another_site
from kernel.ratelimit import Limit, client_address, limit_from_settings, subscriber_address

logger = logging.getLogger(__name__)

SESSION_DONE = "cases_report_done"
SESSION_STATUS = "cases_status_case"


def _report_limit() -> Limit:
    return limit_from_settings("report", "CASES_REPORT_RATE_LIMIT", (5, 3600))


def _report_attempt_limit() -> Limit:
    return limit_from_settings("report_attempt", "CASES_REPORT_ATTEMPT_RATE_LIMIT", (30, 3600))


def _lookup_limit() -> Limit:
    return limit_from_settings("lookup", "CASES_LOOKUP_RATE_LIMIT", (20, 600))


def _lookup_number_limit() -> Limit:
    # Lookups of one tracking number, from any client: numbers are issued in sequence and the
    # phone's last four digits are 10,000 guesses, which enough addresses would otherwise cover.
    return limit_from_settings("lookup_number", "CASES_LOOKUP_NUMBER_LIMIT", (10, 3600))


def _suggest_limit() -> Limit:
    # A person typing sends a request every pause; far more is a script.
    return limit_from_settings("report_suggest", "CASES_REPORT_SUGGEST_RATE_LIMIT", (120, 600))


@never_cache
@require_http_methods(["GET", "POST"])
def report(request):
    """还是办不成？在线反映"""
    if request.method == "POST":
        form = PublicReportForm(request.POST)
        if request.POST.get("website"):
            # Honeypot filled in: a bot. Answer like a success, store nothing.
            logger.info("online report honeypot triggered")
            request.session[SESSION_DONE] = ""
            return redirect("cases_public:report_done")
        key = request.POST.get("idempotency_key", "")
        existing = Case.objects.filter(idempotency_key=services.online_report_key(key)).first() if key else None
        if existing:
            request.session[SESSION_DONE] = existing.tracking_number
            return redirect("cases_public:report_done")
        # Two quotas: accepted reports (tight, against flooding the desk) and rejected
        # attempts (generous, against scripted probing), so a citizen's typos never use
        # up the reports they may file.
        client = subscriber_address(client_address(request))  # IPv6: the /64, not one address of it
        limit, attempt_limit = _report_limit(), _report_attempt_limit()
        if attempt_limit.reached(client):
            return _report_refused(request, form)
        if form.is_valid():
            data = form.cleaned_data
            # One unit per idempotency key, taken before the case is written: concurrent
            # repeats of one report share it, concurrent different reports cannot overshoot.
            if not limit.take(client, once_for=data["idempotency_key"]):
                return _report_refused(request, form)
            try:
                case = services.case_register(
                    author=None,
                    channel=Case.Channel.ONLINE,
                    district=data["district"],
                    reporter_type=data["reporter_type"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    reporter_id_number=data["reporter_id_number"],
                    enterprise_name=data["enterprise_name"],
                    credit_code=data["credit_code"],
                    matter=data["matter"],
                    counter_failure_reason=data["counter_failure_reason"],
                    idempotency_key=services.online_report_key(data["idempotency_key"]),
                )
            except ValidationError as exc:
                limit.give_back(client, once_for=data["idempotency_key"])
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    for error in exc.messages:
                        form.add_error(None, error)
            else:
                mark_guide_visits_reported(request)
                trend_services.search_clicks_mark_reported(client=client)
                request.session[SESSION_DONE] = case.tracking_number
                return redirect("cases_public:report_done")
        attempt_limit.hit(client)
        return render(request, "cases/report.html", {"form": form}, status=400)
    form = PublicReportForm(initial={"idempotency_key": uuid.uuid4().hex})
    return render(request, "cases/report.html", {"form": form})


def _report_refused(request, form):
    form.is_valid()
    form.add_error(None, _("提交过于频繁，请稍后再试，或拨打 12345 热线反映。"))
    return render(request, "cases/report.html", {"form": form}, status=429)


REPORT_SUGGESTIONS = 3


@require_POST
def report_suggestions(request):
    """Guides matching what a reader types on /report/, before they submit (request deflection).

    POST, so the matter never lands in a URL or access log; not logged as a search;
    personal data is taken out before the text becomes a query; always searched as
    an anonymous reader, so a signed-in member of staff sees no case here either.
    """
    if _suggest_limit().request_exceeded(request):
        return JsonResponse({"results": [], "error": _("请求过于频繁，请稍后再试。")}, status=429)
    text = (request.POST.get("text") or "")[:MATTER_MAX]
    found = similar_cases_and_articles(user=AnonymousUser(), text=text, limit=REPORT_SUGGESTIONS)
    results = [
        {"title": p.title, "url": reverse("cases_public:guide_open", args=[p.id]), "snippet": p.snippet}
        for p in found if p.kind in ("article", "guide")
    ]
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


SESSION_GUIDE_VISITS = "cases_guide_visits"
GUIDE_VISITS_KEPT = 10


@never_cache
@require_http_methods(["GET"])
def guide_open(request, page_id: int):
    """A guide offered by 提交前看看, opened: counted for the deflection figure, then shown."""
    from wagtail.models import Page

    from knowledge.models import PolicyTransitionGuidePage, SolutionArticlePage

    # Only the guidance 提交前看看 offers: any other page id (the root, the home page)
    # is not a guide and may not even have a public address.
    page = (
        Page.objects.live().public().type(SolutionArticlePage, PolicyTransitionGuidePage)
        .filter(pk=page_id).first()
    )
    if page is None or not page.url:
        raise Http404
    # A visit another site's page made the browser send (a link, an <img>) deflected nothing.
    if not followed_from_another_site(request) and not limit_from_settings(
        "guide_visit", "CASES_GUIDE_VISIT_RATE_LIMIT", (120, 600)
    ).request_exceeded(request):
        visit = trend_services.guide_visit_record()
        kept = request.session.get(SESSION_GUIDE_VISITS, [])[-(GUIDE_VISITS_KEPT - 1):]
        request.session[SESSION_GUIDE_VISITS] = [*kept, visit.pk]
    return redirect(page.url)


def mark_guide_visits_reported(request) -> None:
    """The reader reported after all: their guide visits did not deflect the report."""
    ids = request.session.pop(SESSION_GUIDE_VISITS, [])
    if ids:
        trend_services.guide_visits_mark_reported(visit_ids=[int(i) for i in ids])


@never_cache
def report_done(request):
    if SESSION_DONE not in request.session:
        return redirect("cases_public:report")
    return render(request, "cases/report_done.html", {"tracking_number": request.session.get(SESSION_DONE)})


@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    """Status lookup by tracking number + last four digits of the phone."""
    case = None
    lookup_form = StatusLookupForm()
    rate_form = None
    http_status = 200
    if request.method == "POST" and request.POST.get("step") == "rate":
        case = Case.objects.filter(pk=request.session.get(SESSION_STATUS)).first()
        if case is None:
            return redirect("cases_public:status")
        rate_form = PublicRateForm(request.POST)
        if rate_form.is_valid():
            try:
                services.case_rate(
                    case=case, rating=rate_form.cleaned_data["rating"], comment=rate_form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                for error in exc.messages:
                    rate_form.add_error(None, error)
                http_status = 400
            else:
                return redirect("cases_public:status")
        else:
            http_status = 400
    elif request.method == "POST":
        lookup_form = StatusLookupForm(request.POST)
        if _lookup_limit().request_exceeded(request):
            lookup_form.is_valid()
            lookup_form.add_error(None, _("查询过于频繁，请稍后再试。"))
            return render(request, "cases/status.html", {"lookup_form": lookup_form}, status=429)
        if lookup_form.is_valid():
            # Every lookup of the number counts, the right digits too (else a refusal of wrong
            # guesses only would say when one hit), and so does a number nobody holds.
            number = selectors.public_tracking_number(lookup_form.cleaned_data["tracking_number"])
            if _lookup_number_limit().exceeded(number):
                lookup_form.add_error(None, _("该受理编号查询次数过多，请一小时后再试，或拨打 12345 热线查询。"))
                return render(request, "cases/status.html", {"lookup_form": lookup_form}, status=429)
            case = selectors.public_case_lookup(
                lookup_form.cleaned_data["tracking_number"], lookup_form.cleaned_data["phone_last4"]
            )
            if case is None:
                lookup_form.add_error(None, _("没有找到该案件：请核对受理编号和联系电话后四位。"))
                http_status = 404
            else:
                request.session[SESSION_STATUS] = case.pk
                return redirect("cases_public:status")
        else:
            http_status = 400
    else:
        case = Case.objects.filter(pk=request.session.get(SESSION_STATUS)).first()
    context = {"lookup_form": lookup_form, "case": case}
    if case is not None:
        context["messages_to_reporter"] = selectors.reporter_timeline(case)
        can_rate = case.status in (Case.Status.CLOSED, Case.Status.ARCHIVED) and case.rating is None
        context["rate_form"] = rate_form or (PublicRateForm() if can_rate else None)
    return render(request, "cases/status.html", context, status=http_status)


@never_cache
def status_reset(request):
    request.session.pop(SESSION_STATUS, None)
    return redirect("cases_public:status")
