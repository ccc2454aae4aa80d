"""JSON endpoints behind the intake/triage side panel (issue 5).

- ``precedents_json``: similar resolved cases + matching articles, with why.
- ``triage_suggestion_json``: the triage model's suggestion (never applied).
- ``duplicates_json``: possible duplicates among open cases (并单).

Staff only: the user must hold one of the case-viewing permissions; every
list is filtered through ``cases.selectors.visible_cases_for``. POST (with the
CSRF token) rather than GET, so the typed matter and phone number never end
up in URLs, access logs or browser history. Wiring (owner
of cases/urls.py or cases/wagtail_hooks.py, via ``register_admin_urls``):
    path("intelligence/precedents/", precedents_json, name="precedents_json"),
    path("intelligence/suggest/", triage_suggestion_json, name="triage_suggestion_json"),
    path("intelligence/duplicates/", duplicates_json, name="duplicates_json"),
"""

from __future__ import annotations

import logging
import threading

from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kernel.personal_data import deidentify
from kernel.ratelimit import Limit

from .duplicates import DuplicateCandidate, possible_duplicates
from .permissions import can_use_case_intelligence
from .precedents import similar_cases_and_articles
from .triage import TriageModel, default_model_path

logger = logging.getLogger(__name__)

MAX_TEXT = 2000

_model_lock = threading.Lock()
_model_cache: dict = {"mtime": None, "path": None, "model": None}


def _forbidden() -> JsonResponse:
    return JsonResponse({"error": "无权访问。"}, status=403)


def _text(request) -> str:
    return (request.POST.get("text") or "")[:MAX_TEXT]


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
def precedents_json(request):
    if not can_use_case_intelligence(request.user):
        return _forbidden()
    limit = min(max(_int_or_none(request.POST.get("limit")) or 5, 1), 10)
    items = similar_cases_and_articles(
        user=request.user, text=_text(request), limit=limit,
        exclude_case_id=_int_or_none(request.POST.get("case")),
    )
    from .selectors import articles_for_cases

    # For a case precedent, the guidance that resolved it ("this case and its article").
    articles = articles_for_cases(p.id for p in items if p.kind == "case")
    return JsonResponse({
        "results": [
            {
                "kind": p.kind, "id": p.id, "title": p.title, "url": p.url, "snippet": p.snippet,
                "matched_terms": p.matched_terms, "outcome": p.outcome,
                "classification": p.classification, "tracking_number": p.external_id,
                "articles": articles.get(p.id, []) if p.kind == "case" else [],
            }
            for p in items
        ]
    })


def _train_missing_model(path) -> bool:
    """No saved model yet (fresh install, demo): train once from past triage
    decisions, or the bundled sample set when there are too few, and save it.
    ``manage.py triage_train`` retrains explicitly."""
    from .triage import train
    from .triage_db import training_samples

    with _model_lock:
        if path.exists():
            return True
        try:
            samples, origin = training_samples("auto")
            train(samples).save(path)
        except (ValueError, OSError):
            logger.warning("triage model could not be trained lazily")
            return False
        logger.info("triage model trained lazily from %s (%d samples)", origin, len(samples))
        return True


def current_triage_model() -> TriageModel | None:
    """The saved model, reloaded when ``triage_train`` rewrites the file (trained on first use)."""
    path = default_model_path()
    if not path.exists() and not _train_missing_model(path):
        return None
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    with _model_lock:
        if _model_cache["path"] != path or _model_cache["mtime"] != mtime:
            try:
                _model_cache.update(model=TriageModel.load(path), mtime=mtime, path=path)
            except (ValueError, OSError, EOFError, ImportError, AttributeError):
                logger.warning("triage model could not be loaded; retrain with manage.py triage_train")
                return None
        return _model_cache["model"]


def _catalogue_department(request) -> dict | None:
    """Lead department from the service catalogue: the case's item on a case page,
    the item and hall/district chosen so far on the intake form."""
    from knowledge.models import District, ServiceItem

    from .models import Case, ServiceHall
    from .selectors import catalogue_lead_department, get_visible_case

    case_id = _int_or_none(request.POST.get("case"))
    if case_id:
        try:
            case = get_visible_case(request.user, case_id)
        except Case.DoesNotExist:
            return None
        item, district = case.service_item, case.district
    else:
        item = ServiceItem.objects.select_related("department__district").filter(
            pk=_int_or_none(request.POST.get("service_item"))
        ).first()
        hall = ServiceHall.objects.filter(pk=_int_or_none(request.POST.get("hall"))).first()
        district = hall.district if hall else District.objects.filter(
            pk=_int_or_none(request.POST.get("district"))
        ).first()
    if item is None:
        return None
    department, note = catalogue_lead_department(service_item=item, district=district)
    if department is None:
        return None
    return {"id": department.pk, "name": department.name, "source": "catalogue",
            "reason": "依据事项目录：「{}」的实施部门".format(item.name), "note": note}


def _cause_context(request) -> tuple[str, str]:
    """(the counter's answer, the service item's name) for the blocking-cause suggestion:
    the case's own on a case page, the item chosen so far on the intake form."""
    from knowledge.models import ServiceItem

    from .models import Case
    from .selectors import get_visible_case

    case_id = _int_or_none(request.POST.get("case"))
    if case_id:
        try:
            case = get_visible_case(request.user, case_id)
        except Case.DoesNotExist:
            return "", ""
        return case.counter_failure_reason, case.service_item.name if case.service_item_id else ""
    item = ServiceItem.objects.filter(pk=_int_or_none(request.POST.get("service_item"))).first()
    return (request.POST.get("counter_failure_reason") or "")[:MAX_TEXT], item.name if item else ""


@require_POST
def triage_suggestion_json(request):
    if not can_use_case_intelligence(request.user):
        return _forbidden()
    from knowledge.models import Department

    from .models import Case

    model = current_triage_model()
    if model is None:
        return JsonResponse({"available": False, "message": "尚未训练研判建议模型，请运行 manage.py triage_train。"})
    # The model reads the matter without personal data: a typed number can never sway it.
    answer, item = _cause_context(request)
    suggestion = model.suggest(deidentify(_text(request)).text, counter_answer=deidentify(answer).text,
                               service_item=item)
    if suggestion is None:
        return JsonResponse({"available": True, "suggestion": None})
    department = None
    department_confidence = suggestion.department_confidence
    dept_id = suggestion.department_id
    if isinstance(dept_id, int):
        department = Department.objects.filter(pk=dept_id).values("id", "name").first()
    elif dept_id:
        # Trained on the sample set: department names, matched to this site's departments.
        found = Department.objects.filter(name__contains=str(dept_id).removeprefix("区")).values("id", "name")
        department = found.first() if found.count() == 1 else {"id": None, "name": str(dept_id)}
    if department:
        department["source"] = "model"
    catalogue = _catalogue_department(request)
    if catalogue is not None:
        # The catalogue is a fact about the item, the model only a guess from the wording.
        department, department_confidence = catalogue, 1.0
    return JsonResponse({
        "available": True,
        "note": "以下为系统建议，请研判员确认后再保存。",
        "suggestion": {
            "classification": suggestion.classification,
            "classification_label": str(dict(Case.Classification.choices).get(suggestion.classification, "")),
            "confidence": suggestion.confidence,
            "department": department,
            "department_confidence": department_confidence,
            "blocking_cause": suggestion.blocking_cause,
            "blocking_cause_label": str(dict(Case.BlockingCause.choices).get(suggestion.blocking_cause, "")),
            "cause_reasons": suggestion.cause_reasons,
            "cause_confidence": suggestion.cause_confidence,
            "reasons": suggestion.reasons,
        },
    })


# Checks by phone, ID number or credit code: enough for a clerk's day at the intake form (the panel
# asks again as the matter is typed), far too few to walk the 10,000 endings of a masked number.
IDENTIFIER_CHECKS = Limit(scope="duplicates-identifier", count=120, window=600)
# A clerk typing a matter triggers the same check many times: one timeline entry per case an hour.
IDENTIFIER_AUDIT = Limit(scope="duplicates-audit", count=1, window=3600)


@require_POST
def duplicates_json(request):
    if not can_use_case_intelligence(request.user):
        return _forbidden()
    from . import services
    from .permissions import can_view_personal_data
    from .selectors import duplicate_candidates_for

    user = request.user
    exclude = _int_or_none(request.POST.get("case"))
    now = timezone.now()
    by_id, others = duplicate_candidates_for(user, around=now, exclude=exclude)
    # Identifiers only for roles that may see them; any other role compares the text it can
    # read (de-identified on both sides), so a guessed number changes nothing in the answer.
    full = can_view_personal_data(user)
    identifiers = {
        name: request.POST.get(name, "")[:30].strip() if full else ""
        for name in ("phone", "id_number", "credit_code")
    }
    if any(identifiers.values()) and IDENTIFIER_CHECKS.exceeded(f"user:{user.pk}"):
        return JsonResponse({"error": "按证件号码或电话查重过于频繁，请稍后再试。"}, status=429)
    text = _text(request)
    new = DuplicateCandidate(
        case_id=exclude or 0, text=text if full else deidentify(text).text, created_at=now, **identifiers
    )
    found = possible_duplicates(new, others)[:10]
    matched = [
        by_id[d.case_id] for d in found
        if d.same_reporter and not IDENTIFIER_AUDIT.exceeded(f"{user.pk}:{d.case_id}")
    ]
    if matched:
        services.case_log_reporter_lookup(
            cases=matched, author=user, phone=identifiers["phone"],
            id_number=identifiers["id_number"], credit_code=identifiers["credit_code"],
        )
    return JsonResponse({
        "results": [
            {"id": d.case_id, "tracking_number": by_id[d.case_id].tracking_number, "reason": d.reason,
             "same_reporter": d.same_reporter, "similarity": d.similarity,
             "url": reverse("cases:inspect", args=[d.case_id])}
            for d in found
        ]
    })
