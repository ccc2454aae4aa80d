"""Shared pieces of the Open311 tests: a system with a key, and the standard's required fields."""

from __future__ import annotations

from cases.open311 import services as open311_services
from cases.open311.models import IntegrationSystem

# GeoReport v2: fields every service / service request answer carries.
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "agency_responsible",
    "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "lat", "long",
    "media_url",
}


def make_system(name="12345市民服务热线", *, district=None, kind=IntegrationSystem.ChannelKind.TRANSFER_12345,
                count=120, window=60, webhook_url=""):
    return IntegrationSystem.objects.create(
        name=name, channel_kind=kind, district=district, rate_limit_count=count, rate_limit_window=window,
        webhook_url=webhook_url,
    )


def issue_key(system, label="生产"):
    key, raw = open311_services.api_key_issue(system=system, author=None, label=label)
    return key, raw


def request_params(raw_key, **overrides):
    data = {
        "api_key": raw_key,
        "service_code": "general",
        "jurisdiction_id": "hongkou",
        "last_name": "王",
        "first_name": "小明",
        "phone": "13812345678",
        "description": "店铺前租户没有注销营业执照，新办执照一直办不下来",
        "attribute[id_number]": "",
    }
    data.update(overrides)
    return data
