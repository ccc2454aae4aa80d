"""The admin's 系统对接 menu: integrating systems, their keys and the webhook delivery log.

Only users with the models' permissions (administrators) see these; a key is
shown in full once, on the page right after it is issued.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.utils.decorators import method_decorator
from wagtail.admin.views.generic import CreateView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cases.open311 import services
from cases.open311.models import ApiKey, IntegrationSystem, WebhookDelivery
from kernel.record_viewsets import RecordViewSetMixin


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


class ApiKeyInspectView(InspectView):
    """A key's state, the cases it filed, and the revoke button."""

    template_name = "cases/open311/api_key_inspect.html"

    def get_fields(self):
        return ["system", "label", "prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filed_cases"] = self.object.cases.order_by("-created_at")[:50]
        context["filed_count"] = self.object.cases.count()
        context["can_revoke"] = self.object.is_active and self.request.user.has_perm("cases.change_apikey")
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("cases.change_apikey"):
            raise PermissionDenied
        services.api_key_revoke(key=self.object, author=request.user)
        messages.success(request, _("密钥已吊销，使用它的请求从现在起一律被拒绝。"))
        return HttpResponseRedirect(reverse("api_keys:inspect", args=[self.object.pk]))


class ApiKeyViewSet(RecordViewSetMixin, ModelViewSet):
    model = ApiKey
    icon = "key"
    menu_label = gettext_lazy("接口密钥")
    name = "api_keys"
    url_prefix = "integrations/keys"
    list_display = ["system", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["system"]
    form_fields = ["system", "label"]
    add_view_class = ApiKeyCreateView
    inspect_view_enabled = True
    inspect_view_class = ApiKeyInspectView
    copy_view_enabled = False
    add_to_reference_index = False

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]


class WebhookDeliveryViewSet(RecordViewSetMixin, ModelViewSet):
    model = WebhookDelivery
    icon = "mail"
    menu_label = gettext_lazy("状态推送记录")
    name = "webhook_deliveries"
    url_prefix = "integrations/deliveries"
    list_display = ["system", "case", "event", "status", "attempts", "last_status_code", "created_at",
                    "delivered_at"]
    list_filter = ["system", "status"]
    form_fields = ["system"]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    created_elsewhere = True


class IntegrationViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("系统对接")
    menu_icon = "link"
    menu_order = 160
    items = (IntegrationSystemViewSet, ApiKeyViewSet, WebhookDeliveryViewSet)
