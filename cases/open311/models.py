"""Integrating systems, their API keys and the webhook deliveries sent to them.

Imported by ``cases.models`` so that Django registers these models in the
``cases`` app.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledge.models import District

KEY_PREFIX_LENGTH = 8


def hash_key(raw_key: str) -> str:
    """Keys are 256-bit random tokens, so one SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def new_raw_key() -> str:
    return "bc_" + secrets.token_urlsafe(32)


class IntegrationSystem(models.Model):
    """Another system that files and follows cases: a hotline, a front end, a district platform."""

    class ChannelKind(models.TextChoices):
        TRANSFER_12345 = "12345", _("12345转办")
        SYSTEM = "system", _("以系统名称作为渠道")

    name = models.CharField(_("系统名称"), max_length=60, unique=True)
    channel_kind = models.CharField(
        _("案件渠道"), max_length=20, choices=ChannelKind.choices, default=ChannelKind.SYSTEM,
        help_text=_("经该系统提交的案件显示为“12345转办”，或显示该系统的名称。"),
    )
    district = models.ForeignKey(
        District, verbose_name=_("默认所属区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("请求未带 jurisdiction_id 时，案件归入此区。"),
    )
    rate_limit_count = models.PositiveIntegerField(
        _("限流：请求次数"), default=120, help_text=_("每个密钥在一个时间窗口内最多的请求次数。")
    )
    rate_limit_window = models.PositiveIntegerField(_("限流：时间窗口（秒）"), default=60)
    webhook_url = models.URLField(
        _("状态推送地址"), blank=True, help_text=_("可选：该系统提交的案件状态变化时，向此地址发送签名的 POST。")
    )
    webhook_secret = models.CharField(
        _("推送签名密钥"), max_length=100, blank=True, editable=False,
        help_text=_("用于 HMAC-SHA256 签名，保存推送地址时自动生成。"),
    )
    contact = models.CharField(_("对接联系人（单位）"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("对接系统")
        verbose_name_plural = _("对接系统")

    def __str__(self):
        return self.name

    def clean(self):
        if not self.rate_limit_count or not self.rate_limit_window:
            raise ValidationError(_("限流次数和时间窗口都必须大于 0。"))

    def save(self, *args, **kwargs):
        if self.webhook_url and not self.webhook_secret:
            self.webhook_secret = secrets.token_hex(32)
        super().save(*args, **kwargs)


class ApiKey(models.Model):
    """One key of an integrating system. Only its SHA-256 is stored; revoking takes effect at once."""

    system = models.ForeignKey(
        IntegrationSystem, verbose_name=_("对接系统"), on_delete=models.PROTECT, related_name="keys"
    )
    label = models.CharField(_("用途说明"), max_length=100, blank=True)
    prefix = models.CharField(_("密钥前缀"), max_length=KEY_PREFIX_LENGTH + 3, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "auth.User", verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        "auth.User", verbose_name=_("吊销人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self):
        return f"{self.system.name} {self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


EVENT_LABELS = {"service_request.status_changed": _("案件状态变化")}


class WebhookDelivery(models.Model):
    """One state change pushed to a system: every attempt's outcome, for the admin's delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("发送失败")

    system = models.ForeignKey(
        IntegrationSystem, verbose_name=_("对接系统"), on_delete=models.PROTECT, related_name="deliveries"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    event = models.CharField(_("事件"), max_length=40)
    payload = models.TextField(_("推送内容"))
    url = models.URLField(_("推送地址"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("状态推送记录")
        verbose_name_plural = _("状态推送记录")

    def __str__(self):
        return f"{self.system.name} · {self.event_label} #{self.pk}"

    @property
    def event_label(self) -> str:
        return str(EVENT_LABELS.get(self.event, self.event))

    @property
    def status_label(self) -> str:
        # A pending delivery that already failed once is waiting for its retry, not for its first try.
        if self.status == self.Status.PENDING and self.attempts:
            return str(_("待重试"))
        return str(self.get_status_display())
