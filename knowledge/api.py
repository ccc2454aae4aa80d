"""Published content over Wagtail's API v2: pages (with the ``api_fields`` each model
declares), topics, departments, policies, images and documents.

Only live, public pages are served (Wagtail's own rule for the pages endpoint);
taxonomy snippets carry only public fields (a department's public contacts), and
filtering, ordering and search reach only those fields. Images and documents are
served where published content uses them, never the whole media library (an upload
for a draft, or a scan someone put in the library, is not published by uploading it).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField
from django.db.models.functions import Cast
from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.filters import FieldsFilter, OrderingFilter, SearchFilter
from wagtail.api.v2.utils import BadRequestError
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
    SEARCH_PARAMETERS,
    SERVICE_ITEM,
    describe,
)
from knowledge.models import Department, District, Policy, ServiceItem, TopicIndexPage


class NoSearchFilter(BaseFilterBackend):
    """For a model without a search index: say so instead of answering everything."""

    def filter_queryset(self, request, queryset, view):
        if "search" in request.GET:
            raise BadRequestError("本接口不支持 search 参数。")
        return queryset


# Wagtail's BaseAPIViewSet has no filter backends, so ?search=, ?order= and field filters were
# accepted and ignored. These allow only the fields each endpoint serves (get_available_fields).
SNIPPET_FILTERS = [FieldsFilter, OrderingFilter, SearchFilter]
UNINDEXED_SNIPPET_FILTERS = [FieldsFilter, OrderingFilter, NoSearchFilter]


def used_by_published_pages(queryset):
    """The objects of ``queryset`` that a live, public page refers to (Wagtail's reference index)."""
    from wagtail.models import Page, ReferenceIndex

    pages = Page.objects.live().public().annotate(key=Cast("pk", output_field=CharField())).values("key")
    used = ReferenceIndex.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id__in=pages,
        to_content_type=ContentType.objects.get_for_model(queryset.model),
    ).values_list("to_object_id", flat=True)
    return queryset.filter(pk__in=[int(pk) for pk in set(used) if pk.isdigit()])


@describe("pages", PAGE_ITEM, PAGE_PARAMETERS)
class ContentPagesAPIViewSet(PagesAPIViewSet):
    name = "pages"


@describe("topics", PAGE_ITEM, PAGE_PARAMETERS)
class TopicsAPIViewSet(PagesAPIViewSet):
    """主题: the topic pages, each with its introduction."""

    name = "topics"

    def get_base_queryset(self):
        return super().get_base_queryset().type(TopicIndexPage)


@describe("departments", DEPARTMENT_ITEM, SEARCH_PARAMETERS)
class DepartmentsAPIViewSet(BaseAPIViewSet):
    model = Department
    filter_backends = SNIPPET_FILTERS
    name = "departments"
    body_fields = BaseAPIViewSet.body_fields + [
        "name", "short_name", "slug", "district", "contact_phone", "office_address", "office_hours", "website",
        "description",
    ]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "slug", "district"]


@describe("policies", POLICY_ITEM, SEARCH_PARAMETERS)
class PoliciesAPIViewSet(BaseAPIViewSet):
    model = Policy
    filter_backends = SNIPPET_FILTERS
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
    filter_backends = UNINDEXED_SNIPPET_FILTERS
    name = "districts"
    body_fields = BaseAPIViewSet.body_fields + ["name", "code"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "code"]


@describe("service-items", SERVICE_ITEM, SEARCH_PARAMETERS)
class ServiceItemsAPIViewSet(BaseAPIViewSet):
    model = ServiceItem
    filter_backends = SNIPPET_FILTERS
    name = "service-items"
    body_fields = BaseAPIViewSet.body_fields + ["name", "code", "department"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["name", "code", "department"]


@describe("images", IMAGE_ITEM, SEARCH_PARAMETERS)
class PublicImagesAPIViewSet(ImagesAPIViewSet):
    def get_queryset(self):
        # Wagtail's own queryset already leaves out restricted collections.
        return used_by_published_pages(super().get_queryset())


@describe("documents", DOCUMENT_ITEM, SEARCH_PARAMETERS)
class PublicDocumentsAPIViewSet(DocumentsAPIViewSet):
    def get_queryset(self):
        return used_by_published_pages(super().get_queryset())


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
