"""Published content over Wagtail's API v2: pages (with the ``api_fields`` each model
declares), topics, departments, policies, images and documents.

Only live, public pages are served (Wagtail's own rule for the pages endpoint);
taxonomy snippets carry only public fields (a department's public contacts).
"""

from __future__ import annotations

from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from knowledge.api_schema import (
    DEPARTMENT_ITEM,
    DISTRICT_ITEM,
    DOCUMENT_ITEM,
    IMAGE_ITEM,
    PAGE_ITEM,
    PAGE_PARAMETERS,
    POLICY_ITEM,
    SERVICE_ITEM,
    describe,
)
from knowledge.models import Department, District, Policy, ServiceItem, TopicIndexPage


@describe("pages", PAGE_ITEM, PAGE_PARAMETERS)
class ContentPagesAPIViewSet(PagesAPIViewSet):
    name = "pages"


@describe("topics", PAGE_ITEM, PAGE_PARAMETERS)
class TopicsAPIViewSet(PagesAPIViewSet):
    """主题: the topic pages, each with its introduction."""

    name = "topics"

    def get_base_queryset(self):
        return super().get_base_queryset().type(TopicIndexPage)


@describe("departments", DEPARTMENT_ITEM)
class DepartmentsAPIViewSet(BaseAPIViewSet):
    model = Department
    name = "departments"
    body_fields = BaseAPIViewSet.body_fields + [
        "name", "short_name", "slug", "district", "contact_phone", "office_address", "office_hours", "website",
        "description",
    ]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "slug", "district"]


@describe("policies", POLICY_ITEM)
class PoliciesAPIViewSet(BaseAPIViewSet):
    model = Policy
    name = "policies"
    body_fields = BaseAPIViewSet.body_fields + [
        "title", "issuing_body", "document_number", "effective_date", "expiry_date", "status", "superseded_by",
        "summary", "url",
    ]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + [
        "title", "document_number", "status", "effective_date",
    ]


@describe("districts", DISTRICT_ITEM)
class DistrictsAPIViewSet(BaseAPIViewSet):
    model = District
    name = "districts"
    body_fields = BaseAPIViewSet.body_fields + ["name", "code"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "code"]


@describe("service-items", SERVICE_ITEM)
class ServiceItemsAPIViewSet(BaseAPIViewSet):
    model = ServiceItem
    name = "service-items"
    body_fields = BaseAPIViewSet.body_fields + ["name", "code", "department"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "code", "department"]


@describe("images", IMAGE_ITEM)
class PublicImagesAPIViewSet(ImagesAPIViewSet):
    pass


@describe("documents", DOCUMENT_ITEM)
class PublicDocumentsAPIViewSet(DocumentsAPIViewSet):
    pass


ENDPOINTS = [
    ("pages", ContentPagesAPIViewSet),
    ("topics", TopicsAPIViewSet),
    ("departments", DepartmentsAPIViewSet),
    ("policies", PoliciesAPIViewSet),
    ("districts", DistrictsAPIViewSet),
    ("service-items", ServiceItemsAPIViewSet),
    ("images", PublicImagesAPIViewSet),
    ("documents", PublicDocumentsAPIViewSet),
]
