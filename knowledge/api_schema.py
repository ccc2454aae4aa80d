"""OpenAPI descriptions of the content API's answers.

Wagtail builds its serializers per request (``?fields=``), which a schema
generator cannot see, so each endpoint states the shape of its default answer
here. ``additionalProperties`` stays open because ``?fields=`` may add fields.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema

NULLABLE_STRING = {"type": "string", "nullable": True}
NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}


def _meta(extra: dict | None = None) -> dict:
    props = {"type": {"type": "string"}, "detail_url": {"type": "string", "format": "uri"}}
    props.update(extra or {})
    return {"type": "object", "required": ["type", "detail_url"], "properties": props}


PAGE_META = _meta({
    "html_url": NULLABLE_STRING,
    "slug": {"type": "string"},
    "first_published_at": {"type": "string", "format": "date-time", "nullable": True},
    "locale": {"type": "string"},
})
RELATED = {"type": "object", "nullable": True, "properties": {"id": {"type": "integer"}, "meta": _meta()}}


def item(properties: dict, meta: dict | None = None) -> dict:
    return {
        "type": "object",
        "required": ["id", "meta"],
        "properties": {"id": {"type": "integer"}, "meta": meta or _meta(), **properties},
    }


def listing(item_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["meta", "items"],
        "properties": {
            "meta": {"type": "object", "required": ["total_count"],
                     "properties": {"total_count": {"type": "integer"}}},
            "items": {"type": "array", "items": item_schema},
        },
    }


ERROR = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}

COMMON_PARAMETERS = [
    OpenApiParameter("limit", int, description="每页条数（最多 20）"),
    OpenApiParameter("offset", int, description="跳过的条数"),
    OpenApiParameter("fields", str, description="要返回的字段，逗号分隔；* 表示全部"),
    OpenApiParameter("order", str, description="排序字段（返回的字段之一），前加 - 为倒序；random 为随机"),
]
SEARCH_PARAMETERS = COMMON_PARAMETERS + [OpenApiParameter("search", str, description="全文搜索")]
PAGE_PARAMETERS = COMMON_PARAMETERS + [
    OpenApiParameter("type", str, description="页面类型，例如 knowledge.SolutionArticlePage"),
    OpenApiParameter("child_of", int, description="只列出此页面的子页面"),
    OpenApiParameter("descendant_of", int, description="只列出此页面下的页面"),
    OpenApiParameter("search", str, description="全文搜索"),
]


SUMMARIES = {
    "pages": ("已发布的页面（可按 type 选页面类型）", "一个已发布的页面"),
    "topics": ("主题", "一个主题"),
    "departments": ("部门（公开联系方式）", "一个部门"),
    "policies": ("政策文件", "一份政策文件"),
    "districts": ("行政区", "一个行政区"),
    "service-items": ("服务事项", "一个服务事项"),
    "images": ("已发布内容中用到的图片", "一张图片"),
    "documents": ("已发布内容中用到的文档", "一份文档"),
}


def describe(name: str, item_schema: dict, parameters=COMMON_PARAMETERS):
    """Give a Wagtail API viewset its listing and detail schemas.

    Wagtail's view methods are not ones the generator looks for by name, so each is
    overridden here (a plain super() call) to carry its ``extend_schema``.
    """

    def decorator(viewset):
        base = viewset
        list_summary, detail_summary = SUMMARIES[name]

        @extend_schema(operation_id=f"{name}_list", parameters=parameters, tags=[name], summary=list_summary,
                       responses={200: listing(item_schema), 400: ERROR})
        def listing_view(self, request):
            return super(viewset, self).listing_view(request)

        @extend_schema(operation_id=f"{name}_detail", tags=[name], summary=detail_summary,
                       responses={200: item_schema, 404: ERROR})
        def detail_view(self, request, pk):
            return super(viewset, self).detail_view(request, pk)

        @extend_schema(exclude=True)
        def find_view(self, request):
            return super(viewset, self).find_view(request)

        base.listing_view = listing_view
        base.detail_view = detail_view
        base.find_view = find_view
        return base

    return decorator


PAGE_ITEM = item({"title": {"type": "string"}}, PAGE_META)
DEPARTMENT_ITEM = item({"name": {"type": "string"}, "slug": {"type": "string"}, "district": RELATED,
                        "short_name": {"type": "string"}, "contact_phone": {"type": "string"},
                        "office_address": {"type": "string"}, "office_hours": {"type": "string"},
                        "website": {"type": "string"}, "description": {"type": "string"}})
POLICY_ITEM = item({"title": {"type": "string"}, "document_number": {"type": "string"},
                    "status": {"type": "string", "enum": ["current", "superseded", "expired"]},
                    "effective_date": NULLABLE_DATE, "expiry_date": NULLABLE_DATE,
                    "issuing_body": {"type": "string"}, "summary": {"type": "string"},
                    "superseded_by": RELATED, "url": {"type": "string"}})
DISTRICT_ITEM = item({"name": {"type": "string"}, "code": {"type": "string"}})
SERVICE_ITEM = item({"name": {"type": "string"}, "code": {"type": "string"}, "department": RELATED})
IMAGE_ITEM = item({"title": {"type": "string"}}, _meta({"tags": {"type": "array", "items": {"type": "string"}},
                                                       "download_url": {"type": "string"}}))
DOCUMENT_ITEM = item({"title": {"type": "string"}},
                     _meta({"tags": {"type": "array", "items": {"type": "string"}},
                            "download_url": {"type": "string"}, "html_url": NULLABLE_STRING}))
