"""The admin's 系统对接 menu: integrating systems, their keys and the webhook delivery log.

Only users with the models' permissions (administrators) see these; a key is
shown in full once, on the page right after it is issued.
"""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column, Table, TitleColumn
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cases.open311 import services
from cases.open311.models import ApiKey, IntegrationSystem, WebhookDelivery
from kernel.record_viewsets import RecordViewSetMixin


# Same table classes as the case desk (case_desk_admin.css): short values on one line, and on
# a phone the table scrolls sideways instead of breaking 受理编号 over three lines.
NOWRAP = "case-col-nowrap"


class RecordTable(Table):
    classname = "listing case-listing"


def local_time(value) -> str:
    return formats.date_format(timezone.localtime(value), "Y年n月j日 H:i") if value else "—"


class LocalInspectView(InspectView):
    """Times in Shanghai time like the lists (the generic page showed UTC), "—" instead of "None"."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime):
            return local_time(value)
        if value is None or value == "":
            return "—"
        return value


class IntegrationSystemViewSet(ModelViewSet):
    model = IntegrationSystem
    icon = "link"
    menu_label = gettext_lazy("对接系统")
    name = "integration_systems"
    url_prefix = "integrations/systems"
    list_display = ["name", "channel_kind", "district", "rate_limit_count", "rate_limit_window", "webhook_url"]
    form_fields = [
        "name", "channel_kind", "district", "rate_limit_count", "rate_limit_window", "webhook_url", "contact",
    ]
    copy_view_enabled = False
    add_to_reference_index = False


@method_decorator(never_cache, name="dispatch")
class ApiKeyCreateView(CreateView):
    """Issue a key through the service and show the plain key once instead of redirecting."""

    def save_instance(self):
        key, self.raw_key = services.api_key_issue(
            system=self.form.cleaned_data["system"], label=self.form.cleaned_data.get("label", ""),
            author=self.request.user,
        )
        return key

    def save_action(self):
        return TemplateResponse(
            self.request, "cases/open311/api_key_created.html",
            {"key": self.object, "raw_key": self.raw_key, "index_url": reverse("api_keys:index"),
             "page_title": _("接口密钥已生成"), "header_title": _("接口密钥已生成")},
        )


class ApiKeyIndexView(IndexView):
    """Each key with its state and how many cases it filed (the audit is on its own page)."""

    table_class = RecordTable

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("system").annotate(filed=Count("cases"))

    @cached_property
    def columns(self):
        return [
            TitleColumn("system", label=_("对接系统"), accessor="system.name", classname=NOWRAP,
                        get_url=lambda key: reverse("api_keys:inspect", args=[key.pk])),
            Column("label", label=_("用途说明")),
            Column("prefix", label=_("密钥前缀"), accessor=lambda key: f"{key.prefix}…", classname=NOWRAP),
            Column("revoked_at", label=_("状态"), classname=NOWRAP,
                   accessor=lambda key: _("有效") if key.is_active else _("已吊销")),
            Column("filed", label=_("已提交案件"), sort_key="filed", classname=NOWRAP),
            Column("created_at", label=_("创建时间"), accessor=lambda key: local_time(key.created_at),
                   sort_key="created_at", classname=NOWRAP),
            Column("last_used_at", label=_("最近使用时间"), accessor=lambda key: local_time(key.last_used_at),
                   sort_key="last_used_at", classname=NOWRAP),
        ]


class ApiKeyInspectView(LocalInspectView):
    """A key's state, the cases it filed, and the way to revoke it (a confirmation page)."""

    template_name = "cases/open311/api_key_inspect.html"

    def get_fields(self):
        return ["system", "label", "prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filed_cases"] = self.object.cases.order_by("-created_at")[:50]
        context["filed_count"] = self.object.cases.count()
        context["can_revoke"] = self.object.is_active and self.request.user.has_perm("cases.change_apikey")
        context["revoke_url"] = reverse("api_keys:revoke", args=[self.object.pk])
        return context


@method_decorator(never_cache, name="dispatch")
class ApiKeyRevokeView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """吊销: a GET only asks (what stops working, what does not); the POST revokes, through the service.

    A revoked key cannot be restored, so the step is confirmed like Wagtail's deletes.
    """

    model = ApiKey
    permission_required = "change"
    template_name = "cases/open311/api_key_confirm_revoke.html"
    page_title = gettext_lazy("吊销接口密钥")

    def get_base_object_queryset(self):
        return ApiKey.objects.select_related("system")

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("api_keys:index"), "label": ApiKey._meta.verbose_name_plural},
            {"url": reverse("api_keys:inspect", args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": _("吊销接口密钥"), "sublabel": str(self.object)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        key = self.object
        context.update(
            key=key,
            inspect_url=reverse("api_keys:inspect", args=[key.pk]),
            filed_count=key.cases.count(),
            other_active=ApiKey.objects.filter(system=key.system_id, revoked_at__isnull=True)
            .exclude(pk=key.pk).count(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.object.is_active:
            services.api_key_revoke(key=self.object, author=request.user)
            messages.success(request, _("密钥已吊销，使用它的请求从现在起一律被拒绝。"))
        return HttpResponseRedirect(reverse("api_keys:inspect", args=[self.object.pk]))


class ApiKeyViewSet(RecordViewSetMixin, ModelViewSet):
    model = ApiKey
    icon = "key"
    menu_label = gettext_lazy("接口密钥")
    name = "api_keys"
    url_prefix = "integrations/keys"
    list_filter = ["system"]
    form_fields = ["system", "label"]
    index_view_class = ApiKeyIndexView
    add_view_class = ApiKeyCreateView
    inspect_view_enabled = True
    inspect_view_class = ApiKeyInspectView
    copy_view_enabled = False
    add_to_reference_index = False

    @property
    def revoke_view(self):
        return self.construct_view(ApiKeyRevokeView)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("revoke/<int:pk>/", self.revoke_view, name="revoke"),
        ]


class WebhookDeliveryIndexView(IndexView):
    """The delivery log: what was pushed where, how it went and when the next try is."""

    table_class = RecordTable

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("system", "case")

    @cached_property
    def columns(self):
        return [
            TitleColumn("case", label=_("案件"), accessor="case.tracking_number", classname=NOWRAP,
                        get_url=lambda d: reverse("webhook_deliveries:inspect", args=[d.pk])),
            Column("system", label=_("对接系统"), accessor="system.name"),
            Column("event", label=_("事件"), accessor="event_label", classname=NOWRAP),
            Column("status", label=_("状态"), accessor="status_label", sort_key="status", classname=NOWRAP),
            Column("attempts", label=_("尝试次数"), sort_key="attempts", classname=NOWRAP),
            Column("last_status_code", label=_("最近响应"), classname=NOWRAP,
                   accessor=lambda d: d.last_status_code or d.last_error[:40] or "—"),
            Column("created_at", label=_("创建时间"), accessor=lambda d: local_time(d.created_at),
                   sort_key="created_at", classname=NOWRAP),
            Column("next_attempt_at", label=_("下次尝试"), accessor=lambda d: local_time(d.next_attempt_at),
                   sort_key="next_attempt_at", classname=NOWRAP),
            Column("delivered_at", label=_("送达时间"), accessor=lambda d: local_time(d.delivered_at),
                   sort_key="delivered_at", classname=NOWRAP),
        ]


class WebhookDeliveryInspectView(LocalInspectView):
    def get_event_display_value(self):
        return self.object.event_label

    def get_status_display_value(self):
        return self.object.status_label

    def get_payload_display_value(self):
        try:
            text = json.dumps(json.loads(self.object.payload), ensure_ascii=False, indent=2, sort_keys=True)
        except ValueError:
            text = self.object.payload
        return format_html('<pre class="webhook-payload">{}</pre>', text)


class WebhookDeliveryViewSet(RecordViewSetMixin, ModelViewSet):
    model = WebhookDelivery
    icon = "mail"
    menu_label = gettext_lazy("状态推送记录")
    name = "webhook_deliveries"
    url_prefix = "integrations/deliveries"
    list_filter = ["system", "status"]
    form_fields = ["system"]
    index_view_class = WebhookDeliveryIndexView
    inspect_view_enabled = True
    inspect_view_class = WebhookDeliveryInspectView
    copy_view_enabled = False
    add_to_reference_index = False
    created_elsewhere = True


class IntegrationViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("系统对接")
    menu_icon = "link"
    menu_order = 160
    items = (IntegrationSystemViewSet, ApiKeyViewSet, WebhookDeliveryViewSet)
