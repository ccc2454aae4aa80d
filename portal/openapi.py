"""Hooks that shape the one OpenAPI document at /api/schema/.

The content API (Wagtail API v2, DRF) is generated; the search API and Open311 are
plain Django views, described here by hand and checked against live answers by
tests/portal/test_api_schema.py.
"""

from __future__ import annotations

PUBLIC_PREFIXES = ("/api/v2/",)


def only_public_api(endpoints, **kwargs):
    """Wagtail's admin also runs on DRF; only the public content API belongs in the document."""
    return [e for e in endpoints if e[0].startswith(PUBLIC_PREFIXES)]


def _q(name, description, schema=None, required=False):
    return {"in": "query", "name": name, "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
SEARCH_ERROR = {"type": "object", "required": ["error"], "properties": {"error": STRING}}
SEARCH_RESULT = {
    "type": "object",
    "required": ["count", "results", "facets"],
    "properties": {
        "count": {"type": "integer"},
        "results": {"type": "array", "items": {
            "type": "object",
            "required": ["type", "id", "title", "url", "snippet", "score"],
            "properties": {
                "type": STRING,
                "id": {"type": "integer"}, "external_id": STRING, "title": STRING, "url": STRING,
                "snippet": STRING, "score": {"type": "number"}, "promoted": {"type": "boolean"}, "label": STRING,
            },
        }},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}}},
        "did_you_mean": {"type": "array", "items": STRING},
        "facets_sampled": {"type": "integer"},
        "message": STRING,
    },
}
OPEN311_ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": STRING},
}}
OPEN311_SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
    "properties": {"service_code": STRING, "service_name": STRING, "description": STRING,
                   "metadata": {"type": "boolean"}, "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                   "keywords": STRING, "group": STRING},
}
OPEN311_DEFINITION = {
    "type": "object", "required": ["service_code", "attributes"],
    "properties": {"service_code": STRING, "attributes": {"type": "array", "items": {
        "type": "object",
        "required": ["variable", "code", "datatype", "required", "datatype_description", "order", "description"],
        "properties": {"variable": {"type": "boolean"}, "code": STRING,
                       "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text",
                                                              "singlevaluelist", "multivaluelist"]},
                       "required": {"type": "boolean"}, "datatype_description": STRING,
                       "order": {"type": "integer"}, "description": STRING,
                       "values": {"type": "array", "items": {"type": "object", "properties": {
                           "key": STRING, "name": STRING}}}},
    }}},
}
DATETIME = {"type": "string", "format": "date-time", "nullable": True}
OPEN311_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "status_notes", "service_name", "service_code",
                 "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                 "expected_datetime"],
    "properties": {
        "service_request_id": STRING, "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": STRING, "service_name": STRING, "service_code": STRING, "agency_responsible": STRING,
        "service_notice": STRING, "requested_datetime": DATETIME, "updated_datetime": DATETIME,
        "expected_datetime": DATETIME, "address": STRING, "address_id": STRING, "zipcode": STRING,
        "lat": {"type": "number", "nullable": True}, "long": {"type": "number", "nullable": True},
        "media_url": STRING,
    },
}
OPEN311_CREATED = {"type": "array", "items": {
    "type": "object", "required": ["service_request_id", "service_notice"],
    "properties": {"service_request_id": STRING, "service_notice": STRING, "account_id": NULLABLE_STRING},
}}
FORMAT = {"in": "path", "name": "format", "required": True, "description": "只支持 json",
          "schema": {"type": "string", "enum": ["json"]}}
JURISDICTION = _q("jurisdiction_id", "行政区代码，例如 hongkou")
# The key as security schemes, so the browsable page's 「Authorize」 sends it with 「Try it out」.
SECURITY_SCHEMES = {
    "api_key": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                "description": "对接系统的接口密钥（系统管理员在 系统对接 → 接口密钥 发放）"},
    "api_key_parameter": {"type": "apiKey", "in": "query", "name": "api_key",
                          "description": "同一密钥作为 Open311 标准的 api_key 参数"},
}
KEY_REQUIRED = [{"api_key": []}, {"api_key_parameter": []}]
KEY_OPTIONAL = [{}, *KEY_REQUIRED]


def _open311_errors(*codes):
    return {str(code): _json(OPEN311_ERRORS, "错误列表") for code in codes}


def hand_written_paths() -> dict:
    return {
        "/api/search/": {"get": {
            "operationId": "search", "tags": ["search"], "summary": "全文搜索已发布的内容",
            "parameters": [
                _q("q", "搜索词"), _q("type", "内容类型，逗号分隔：article,guide,topic,policy,department"),
                _q("department", "部门网址标识"), _q("topic", "主题 id"), _q("tag", "标签"),
                _q("district", "行政区代码"), _q("page", "页码", {"type": "integer", "minimum": 1}),
                _q("page_size", "每页条数", {"type": "integer", "minimum": 1}),
            ],
            "responses": {"200": _json(SEARCH_RESULT), "400": _json(SEARCH_ERROR, "参数错误"),
                          "403": _json(SEARCH_ERROR, "案例仅对登录的工作人员开放"),
                          "503": _json(SEARCH_ERROR, "搜索服务暂时不可用")},
        }},
        "/open311/v2/services.{format}": {"get": {
            "operationId": "open311_services", "tags": ["open311"], "summary": "可反映的事项（服务）列表",
            "parameters": [FORMAT, JURISDICTION], "security": KEY_OPTIONAL,
            "responses": {"200": _json({"type": "array", "items": OPEN311_SERVICE}),
                          **_open311_errors(400, 403, 429)},
        }},
        "/open311/v2/services/{service_code}.{format}": {"get": {
            "operationId": "open311_service_definition", "tags": ["open311"], "summary": "事项的附加字段定义",
            "parameters": [{"in": "path", "name": "service_code", "required": True, "schema": STRING},
                           FORMAT], "security": KEY_OPTIONAL,
            "responses": {"200": _json(OPEN311_DEFINITION), **_open311_errors(400, 403, 404, 429)},
        }},
        "/open311/v2/requests.{format}": {
            "get": {
                "operationId": "open311_requests", "tags": ["open311"], "summary": "案件列表（公开字段）",
                "parameters": [
                    FORMAT, JURISDICTION,
                    _q("service_request_id", "受理编号，逗号分隔（给出时忽略其他条件）"),
                    _q("service_code", "事项代码，逗号分隔"),
                    _q("status", "open 或 closed，逗号分隔"),
                    _q("start_date", "登记时间下限（ISO 8601），默认 90 天前"),
                    _q("end_date", "登记时间上限（ISO 8601）"),
                    _q("page", "页码", {"type": "integer", "minimum": 1}),
                    _q("page_size", "每页条数（最多 200）", {"type": "integer", "minimum": 1}),
                ],
                "security": KEY_OPTIONAL,
                "responses": {"200": _json({"type": "array", "items": OPEN311_REQUEST}),
                              **_open311_errors(400, 403, 429)},
            },
            "post": {
                "operationId": "open311_create_request", "tags": ["open311"], "summary": "提交案件（需要接口密钥）",
                "parameters": [FORMAT,
                               {"in": "header", "name": "Idempotency-Key", "required": False, "schema": STRING,
                                "description": "重试同一提交时带同一值，返回同一案件"}],
                "security": KEY_REQUIRED,
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["service_code", "phone", "description"],
                        "properties": {name: STRING for name in (
                            "api_key", "service_code", "jurisdiction_id", "last_name", "first_name", "phone",
                            "description", "email", "address_string", "lat", "long", "media_url",
                            "attribute[reporter_type]",
                            "attribute[enterprise_name]", "attribute[credit_code]", "attribute[id_number]",
                            "attribute[counter_name]", "attribute[counter_failure_reason]")},
                    }},
                }},
                "responses": {"201": _json(OPEN311_CREATED, "已受理"), **_open311_errors(400, 403, 429)},
            },
        },
        "/open311/v2/requests/{service_request_id}.{format}": {"get": {
            "operationId": "open311_request", "tags": ["open311"], "summary": "一件案件（公开字段）",
            "parameters": [{"in": "path", "name": "service_request_id", "required": True, "schema": STRING},
                           FORMAT], "security": KEY_OPTIONAL,
            "responses": {"200": _json({"type": "array", "items": OPEN311_REQUEST, "maxItems": 1}),
                          **_open311_errors(400, 403, 404, 429)},
        }},
    }


def add_hand_written_paths(result, generator, request, public):
    result.setdefault("paths", {}).update(hand_written_paths())
    result.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    return result
