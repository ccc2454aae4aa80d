"""类案: a recurring class of cases handled as one.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    TimelineEntry,
)
from cases.services.base import (
    _log,
)
from cases.workdays import add_working_days


CLASS_CASE_WORKING_DAYS = 20


@transaction.atomic
def class_case_open(
    *, case_ids, owner_department, required_outcome: str, author, title: str = ""
) -> "ClassCase":
    """Open a 类案 for the recurring class that contains ``case_ids`` (all its members join)."""
    from cases.class_report import recurring_classes_for
    from cases.models import ClassCase

    wanted = {int(pk) for pk in case_ids}
    if not wanted:
        raise ValidationError(_("请选择案件。"))
    if owner_department is None:
        raise ValidationError({"owner_department": _("请选择牵头部门。")})
    if required_outcome not in ClassCase.RequiredOutcome.values:
        raise ValidationError({"required_outcome": _("请选择要求的成果。")})
    row = next(
        (
            r for r in recurring_classes_for(user=author)
            if r.case_class.above_threshold and wanted <= set(r.case_class.members)
        ),
        None,
    )
    if row is None:
        raise ValidationError(_("所选案件没有构成达到阈值的一类事，不能开为类案。"))
    class_case = ClassCase(
        title=(title or "").strip()[:200] or row.case_class.label[:200] or _("类案"),
        owner_department=owner_department,
        required_outcome=required_outcome,
        deadline=add_working_days(timezone.localdate(), CLASS_CASE_WORKING_DAYS),
        created_by=author,
    )
    class_case.full_clean()
    class_case.save()
    members = list(Case.objects.filter(pk__in=row.case_class.members))
    class_case.cases.set(members)
    for case in members:
        _log(case, TimelineEntry.Kind.CLASS_CASE, author,
             _("纳入类案《%(t)s》，牵头部门：%(d)s，要求成果：%(o)s。")
             % {"t": class_case.title, "d": owner_department, "o": class_case.get_required_outcome_display()})
    return class_case


@transaction.atomic
def class_case_close(*, class_case: "ClassCase", author, outcome_summary: str) -> "ClassCase":
    from cases.models import ClassCase

    outcome_summary = (outcome_summary or "").strip()
    if not outcome_summary:
        raise ValidationError({"outcome_summary": _("办结类案须写明办理成果。")})
    class_case = ClassCase.objects.select_for_update().get(pk=class_case.pk)
    if class_case.status == ClassCase.Status.CLOSED:
        raise ValidationError(_("该类案已办结。"))
    class_case.status = ClassCase.Status.CLOSED
    class_case.outcome_summary = outcome_summary
    class_case.closed_at = timezone.now()
    class_case.closed_by = author
    class_case.full_clean()
    class_case.save()
    for case in class_case.cases.all():
        _log(case, TimelineEntry.Kind.CLASS_CASE, author,
             _("类案《%(t)s》已办结：%(s)s") % {"t": class_case.title, "s": outcome_summary})
    return class_case
