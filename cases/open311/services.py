"""Writes for integrations: issuing and revoking API keys, filing a case through a key.

Keyword-only, transactional, audited like every other case-desk write.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Case, TimelineEntry
from cases.open311.models import KEY_PREFIX_LENGTH, ApiKey, IntegrationSystem, hash_key, new_raw_key

logger = logging.getLogger(__name__)


@transaction.atomic
def api_key_issue(*, system: IntegrationSystem, author, label: str = "") -> tuple[ApiKey, str]:
    """A new key for ``system``; the plain key is returned once and never stored."""
    raw = new_raw_key()
    key = ApiKey(
        system=system, label=(label or "").strip(), prefix=raw[: KEY_PREFIX_LENGTH + 3],
        key_hash=hash_key(raw), created_by=author,
    )
    key.full_clean()
    key.save()
    logger.info("api key issued id=%s system=%s", key.pk, system.pk)
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey, author) -> ApiKey:
    """Revoked keys are refused from the next request on (keys are looked up on every request)."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.revoked_by = author
        key.save(update_fields=["revoked_at", "revoked_by"])
        logger.info("api key revoked id=%s", key.pk)
    return key


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key``, or None (unknown or revoked)."""
    if not raw_key or len(raw_key) > 200:
        return None
    key = (
        ApiKey.objects.select_related("system", "system__district")
        .filter(key_hash=hash_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if key is not None:
        # A coarse stamp is enough for "is this key still in use?"; skip most writes.
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def filing_extras_text(extras: dict[str, str]) -> str:
    """"地址 …；坐标 31.26, 121.48；电子邮箱 …；图片 …" for the filing note."""
    parts = []
    if extras.get("address"):
        parts.append(_("地址 %(v)s") % {"v": extras["address"]})
    if extras.get("lat") and extras.get("long"):
        parts.append(_("坐标 %(lat)s, %(long)s") % {"lat": extras["lat"], "long": extras["long"]})
    if extras.get("email"):
        parts.append(_("电子邮箱 %(v)s") % {"v": extras["email"]})
    if extras.get("media_url"):
        parts.append(_("图片 %(v)s") % {"v": extras["media_url"]})
    return "；".join(parts)


@transaction.atomic
def case_file_through_key(
    *,
    key: ApiKey,
    district,
    reporter_name: str,
    reporter_phone: str,
    matter: str,
    service_item=None,
    reporter_type: str = Case.ReporterType.PERSON,
    reporter_id_number: str = "",
    enterprise_name: str = "",
    credit_code: str = "",
    counter_name: str = "",
    counter_failure_reason: str = "",
    idempotency_key: str | None = None,
    extras: dict[str, str] | None = None,
) -> Case:
    """A case filed by an integrating system: its channel and key are recorded on the case.

    ``extras`` (``address``, ``lat``/``long``, ``email``, ``media_url``: what the system sent
    for which a case has no field) is kept on the case (``filing_extras``, so de-identification
    and erasure know the values) and shown on the internal filing note, which only staff see.
    """
    if key.revoked_at is not None:
        raise ValidationError(_("接口密钥已吊销。"), code="revoked")
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    system = key.system
    channel = (
        Case.Channel.TRANSFER_12345
        if system.channel_kind == IntegrationSystem.ChannelKind.TRANSFER_12345
        else Case.Channel.SYSTEM
    )
    case, created = case_services.case_register_or_existing(
        author=None,
        channel=channel,
        district=district,
        reporter_type=reporter_type,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_id_number=reporter_id_number,
        enterprise_name=enterprise_name,
        credit_code=credit_code,
        matter=matter,
        service_item=service_item,
        counter_name=counter_name,
        counter_failure_reason=counter_failure_reason,
        idempotency_key=idempotency_key,
        api_key=key,
        filing_extras=extras or {},
    )
    if not created:
        # A concurrent repeat of the same request lost the race for the idempotency key:
        # the first request wrote the filing note, this one answers with its case.
        return case
    # Internal audit line: which system and which key filed it (never shown to the reporter).
    entry = TimelineEntry(
        case=case,
        kind=TimelineEntry.Kind.INTERNAL_NOTE,
        author=None,
        text=_("接口提交：%(system)s，密钥 %(prefix)s…（编号 %(id)s）。")
        % {"system": system.name, "prefix": key.prefix, "id": key.pk}
        + (_("对方另附：%(extras)s。") % {"extras": filing_extras_text(extras)} if extras else ""),
    )
    entry.full_clean()
    entry.save()
    return case
