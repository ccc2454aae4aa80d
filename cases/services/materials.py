"""容缺受理: materials promised later, received or waived.

Part of :mod:`cases.services`; each service is keyword-only, runs in one transaction,
validates with ``full_clean()`` and appends an audit ``TimelineEntry``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    MissingMaterial,
    TimelineEntry,
)
from cases.services.base import (
    _log,
    _require,
)


@transaction.atomic
def material_add(
    *, case: Case, author, name: str, promised_date: datetime.date, supply_method: str
) -> MissingMaterial:
    material = MissingMaterial(
        case=case, name=(name or "").strip(), promised_date=promised_date, supply_method=supply_method
    )
    material.full_clean()
    if promised_date < timezone.localdate(case.created_at):
        raise ValidationError({"promised_date": _("承诺补齐日期不能早于受理日期。")})
    material.save()
    _log(
        case,
        TimelineEntry.Kind.MATERIAL,
        author,
        _("容缺受理：%(name)s 承诺于 %(date)s 前通过%(method)s补齐。")
        % {"name": material.name, "date": promised_date.isoformat(), "method": material.get_supply_method_display()},
        visible=True,
    )
    return material


@transaction.atomic
def material_receive(*, material: MissingMaterial, author) -> MissingMaterial:
    material = MissingMaterial.objects.select_for_update().get(pk=material.pk)
    if material.status != MissingMaterial.Status.OUTSTANDING:
        raise ValidationError(_("该材料不是待补齐状态。"))
    material.status = MissingMaterial.Status.RECEIVED
    material.received_at = timezone.now()
    material.save(update_fields=["status", "received_at"])
    _log(material.case, TimelineEntry.Kind.MATERIAL, author, _("已收到容缺材料：%(n)s。") % {"n": material.name}, visible=True)
    return material


@transaction.atomic
def material_waive(*, material: MissingMaterial, author, reason: str) -> MissingMaterial:
    reason = _require(reason, _("免于提交须写明理由。"), "reason")
    material = MissingMaterial.objects.select_for_update().get(pk=material.pk)
    if material.status != MissingMaterial.Status.OUTSTANDING:
        raise ValidationError(_("该材料不是待补齐状态。"))
    material.status = MissingMaterial.Status.WAIVED
    material.waive_reason = reason
    material.full_clean()
    material.save(update_fields=["status", "waive_reason"])
    _log(
        material.case,
        TimelineEntry.Kind.MATERIAL,
        author,
        _("容缺材料 %(n)s 免于提交，理由：%(r)s") % {"n": material.name, "r": reason},
    )
    return material
