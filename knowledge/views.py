"""Public views of the knowledge site that are not Wagtail pages."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from taggit.models import Tag
from wagtail.models import Page

from kernel.origin import posted_from_another_site
from kernel.ratelimit import client_address

from . import selectors, services
from .forms import FeedbackForm
from .models import Department, Policy, PolicyTransitionGuidePage, SolutionArticlePage
from .pagination import page_of



@csrf_exempt  # article pages are cached for anonymous readers: no CSRF token in them
@require_POST
def feedback_submit(request, page_id: int):
    page = get_object_or_404(Page.objects.live().public(), pk=page_id).specific
    if not isinstance(page, (SolutionArticlePage, PolicyTransitionGuidePage)):
        raise Http404
    form = FeedbackForm(request.POST)
    error = None
    if posted_from_another_site(request):
        # No CSRF token on cached pages: another site's page could make each of its visitors
        # vote here, each a distinct reader to the ranking and the review report.
        error = _("这份反馈不是从本站页面提交的，请在下方确认后重新提交。")
        return render(request, "knowledge/feedback_error.html", {"page": page, "form": form, "error": error},
                      status=403)
    if form.is_valid():
        try:
            services.feedback_create(
                page=page,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
                client_key=client_address(request),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            url = page.get_url(request) or "/"
            return HttpResponseRedirect(f"{url}?{urlencode({'feedback': 'thanks'})}#feedback")
    else:
        error = " ".join(str(m) for msgs in form.errors.values() for m in msgs)
    return render(
        request,
        "knowledge/feedback_error.html",
        {"page": page, "form": form, "error": error},
        status=400,
    )


def department_index(request):
    return render(
        request,
        "knowledge/department_index.html",
        {"departments": selectors.departments_with_counts()},
    )


def department_detail(request, slug: str):
    department = get_object_or_404(Department.objects.select_related("district"), slug=slug)
    return render(
        request,
        "knowledge/department_detail.html",
        {
            "department": department,
            "page_obj": page_of(selectors.department_articles(department), request),
            "guides": selectors.department_guides(department),
            "service_items": department.service_items.all(),
        },
    )


def tag_index(request):
    return render(request, "knowledge/tag_index.html", {"tags": selectors.public_tags()})


def tag_detail(request, slug: str):
    tag = get_object_or_404(Tag, slug=slug)
    articles = selectors.tag_articles(tag)
    guides = selectors.tag_guides(tag)
    if not articles.exists() and not guides:
        # A tag only used on drafts must not reveal that the draft exists.
        raise Http404
    return render(
        request,
        "knowledge/tag_detail.html",
        {"tag": tag, "page_obj": page_of(articles, request), "guides": guides},
    )


def policy_index(request):
    status = request.GET.get("status", "")
    if status not in Policy.Status.values:
        status = ""  # an unknown filter lists everything rather than failing
    # base.html reads ``page`` as the Wagtail page: the paginator's page gets another name.
    page_obj = page_of(selectors.public_policies(status=status), request)
    counts = selectors.policy_status_counts()
    filters = [{"value": "", "label": _("全部"), "count": sum(counts.values())}] + [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Policy.Status.choices
    ]
    return render(
        request,
        "knowledge/policy_index.html",
        {"page_obj": page_obj, "status": status, "filters": filters},
    )


def policy_detail(request, pk: int):
    policy = get_object_or_404(Policy.objects.select_related("superseded_by"), pk=pk)
    today = timezone.localdate()
    # Only web links: an imported row could carry any scheme.
    source_url = policy.url if policy.url.lower().startswith(("https://", "http://")) else ""
    return render(
        request,
        "knowledge/policy_detail.html",
        {
            "policy": policy,
            "not_yet_effective": bool(policy.effective_date and policy.effective_date > today),
            "past_expiry": bool(policy.expiry_date and policy.expiry_date <= today),
            "source_url": source_url,
            "source_host": urlsplit(source_url).hostname or "",
            "service_items": list(policy.service_items.all()),
            "replaces": list(policy.supersedes.all()),
            "articles": selectors.policy_articles(policy),
            "guides": selectors.policy_guides(policy),
        },
    )
