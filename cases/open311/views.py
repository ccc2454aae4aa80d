"""Open311 GeoReport v2 at /open311/v2/ (JSON only).

Thin views: keys and filing go through ``cases.open311.services``, the public
form of a case through ``cases.open311.selectors``. Every answer is JSON in
UTF-8; errors are a list of ``{"code", "description"}`` as the standard says.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import re

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from cases.open311 import selectors
from cases.open311 import services as open311_services
from cases.open311.forms import RequestForm
from kernel.ratelimit import Limit, client_address, limit_from_settings, subscriber_address
from knowledge.models import District

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_IDS = 100
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions
        self.headers = headers or {}


def _json(data, status: int = 200) -> JsonResponse:
    # The charset is said explicitly: some receivers read a bare application/json as Latin-1.
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False},
                        content_type="application/json; charset=utf-8")


def _error_response(exc: Open311Error) -> JsonResponse:
    response = _json([{"code": exc.status, "description": d} for d in exc.descriptions], exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _anonymous_limit() -> Limit:
    return limit_from_settings("open311-anon", "OPEN311_ANON_RATE_LIMIT", (120, 60))


def _bad_key_limit() -> Limit:
    return limit_from_settings("open311-badkey", "OPEN311_BAD_KEY_RATE_LIMIT", (20, 600))


def _key_limit(key) -> Limit:
    return Limit(scope="open311-key", count=key.system.rate_limit_count, window=key.system.rate_limit_window)


def _too_many(window: int) -> Open311Error:
    return Open311Error(429, _("请求过于频繁，请稍后再试。"), headers={"Retry-After": str(window)})


def _raw_key(request, data) -> str:
    # The standard's api_key parameter; a header keeps keys out of access logs for GETs.
    return (request.headers.get("X-Api-Key") or data.get("api_key") or "").strip()


def _authenticate(request, data, *, required: bool):
    """The request's active key (counted against its own limit), or None when none was sent.

    The per-key count is keyed on the key itself, so no header, address or parallel
    connection gives a caller more requests than its system's limit.
    """
    raw = _raw_key(request, data)
    address = subscriber_address(client_address(request))  # IPv6: the /64, not one address of it
    if not raw:
        if required:
            raise Open311Error(403, _("缺少 api_key：提交案件需要系统管理员发放的接口密钥。"))
        limit = _anonymous_limit()
        if limit.exceeded(address):
            raise _too_many(limit.window)
        return None
    bad = _bad_key_limit()
    if bad.reached(address):
        raise _too_many(bad.window)
    key = open311_services.api_key_authenticate(raw)
    if key is None:
        bad.hit(address)
        raise Open311Error(403, _("api_key 无效或已吊销。"))
    limit = _key_limit(key)
    if limit.exceeded(str(key.pk)):
        raise _too_many(limit.window)
    return key


def _check_format(fmt: str) -> None:
    if fmt.lower() != "json":
        raise Open311Error(
            400, _("不支持的格式“%(fmt)s”：本接口只提供 JSON，请使用 .json。") % {"fmt": fmt[:10]}
        )


def _district(jurisdiction_id: str):
    if not jurisdiction_id:
        return None
    # A NUL (which a form or JSON body may carry) is no code, and PostgreSQL refuses it in a lookup.
    district = District.objects.filter(code=jurisdiction_id.strip()).first() if "\x00" not in jurisdiction_id else None
    if district is None:
        raise Open311Error(400, _("jurisdiction_id 不正确：请使用行政区代码，例如 hongkou。"))
    return district


def _parse_when(value: str, name: str, *, end: bool = False) -> datetime.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    # An unencoded "+08:00" arrives as " 08:00" in a query string.
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value)
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is not None:
                parsed = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, _("%(name)s 不是 ISO 8601 时间，例如 2026-01-31T09:00:00+08:00。") % {"name": name})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _handle(view, methods=("GET",)):
    """Errors as the standard's JSON list, also a wrong method (405 with Allow).

    CSRF does not apply: no Open311 request is authenticated by a cookie, and Django's
    check would answer a DELETE with an HTML 403 before the method is looked at.
    """

    @csrf_exempt
    @never_cache
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            if request.method not in methods:
                raise Open311Error(405, _("不支持 %(method)s 方法。") % {"method": request.method[:10]},
                                   headers={"Allow": ", ".join(methods)})
            return view(request, *args, **kwargs)
        except Open311Error as exc:
            return _error_response(exc)

    return wrapper


def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: a JSON 404, not the site's HTML page."""
    return _error_response(Open311Error(404, _("没有这个接口：请查看 services.json、requests.json。")))


@_handle
def services(request, fmt: str):
    """GET services.json: the intake categories (the service catalogue plus 其他事项)."""
    _check_format(fmt)
    _authenticate(request, request.GET, required=False)
    _district(request.GET.get("jurisdiction_id", ""))
    items = [selectors.service_dict(item) for item in selectors.service_items()]
    items.append(selectors.service_dict(None))
    return _json(items)


def attribute_definitions() -> list[dict]:
    def attr(code, description, datatype="string", required=False, order=0, values=None):
        entry = {
            "variable": True, "code": code, "datatype": datatype, "required": required,
            "datatype_description": "", "order": order, "description": description,
        }
        if values is not None:
            entry["values"] = values
        return entry

    from cases.models import Case

    return [
        attr("reporter_type", _("反映人类型"), "singlevaluelist", order=1,
             values=[{"key": k, "name": str(v)} for k, v in Case.ReporterType.choices]),
        attr("enterprise_name", _("企业名称（企业反映时必填）"), order=2),
        attr("credit_code", _("统一社会信用代码"), order=3),
        attr("id_number", _("身份证号码"), order=4),
        attr("counter_name", _("未办成的窗口"), order=5),
        attr("counter_failure_reason", _("窗口是怎么答复的"), "text", order=6),
    ]


@_handle
def service_definition(request, code: str, fmt: str):
    """GET services/{code}.json: the attributes a request for this service may carry."""
    _check_format(fmt)
    _authenticate(request, request.GET, required=False)
    item = selectors.service_for_code(code)
    if item is False:
        raise Open311Error(404, _("没有这个 service_code。"))
    return _json({"service_code": selectors.service_code(item), "attributes": attribute_definitions()})


def _post_data(request):
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Open311Error(400, _("请求体不是有效的 JSON。"))
        if not isinstance(data, dict):
            raise Open311Error(400, _("请求体应为一个 JSON 对象。"))
        nested = sorted(str(k) for k, v in data.items() if isinstance(v, (dict, list)))
        if nested:
            # str() of a list would be stored as "['a', 'b']": refuse instead of keeping a mangled value.
            raise Open311Error(400, *[_("%(name)s 应为文本或数字，不能是列表或对象。") % {"name": k[:40]}
                                      for k in nested[:10]])
        return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in data.items()}
    return request.POST


@functools.partial(_handle, methods=("GET", "POST"))
def requests_endpoint(request, fmt: str):
    _check_format(fmt)
    if request.method == "POST":
        return _file_request(request)
    return _list_requests(request)


def _file_request(request):
    """POST requests.json: file a case (api_key required)."""
    data = _post_data(request)
    key = _authenticate(request, data, required=True)
    if not (data.get("service_code") or "").strip():
        raise Open311Error(400, _("缺少 service_code。"))
    item = selectors.service_for_code(data.get("service_code", ""))
    if item is False:
        raise Open311Error(400, _("service_code 不正确：请从 services.json 中选择。"))
    district = _district(data.get("jurisdiction_id", "")) or key.system.district
    if district is None:
        raise Open311Error(400, _("缺少 jurisdiction_id：请填写案件所属行政区代码，例如 hongkou。"))
    form = RequestForm.from_request_data(data)
    if not form.is_valid():
        raise Open311Error(
            400, *[f"{form.parameter_name(f)}：{m}" if f != "__all__" else m
                   for f, ms in form.errors.items() for m in ms]
        )
    cleaned = form.cleaned_data
    idem = (request.headers.get("Idempotency-Key") or "").strip()
    try:
        case = open311_services.case_file_through_key(
            key=key,
            district=district,
            service_item=item,
            reporter_name=cleaned["reporter_name"],
            reporter_phone=cleaned["phone"],
            matter=cleaned["description"],
            reporter_type=cleaned["reporter_type"],
            reporter_id_number=cleaned["reporter_id_number"],
            enterprise_name=cleaned["enterprise_name"],
            credit_code=cleaned["credit_code"],
            counter_name=cleaned["counter_name"],
            counter_failure_reason=cleaned["counter_failure_reason"],
            # Scoped to the key, so one system can never replay into another's case.
            idempotency_key=f"k{key.pk}:{idem[:48]}" if idem else None,
            extras=form.extras(),
        )
    except ValidationError as exc:
        names = {"reporter_phone": "phone", "matter": "description", "reporter_name": "last_name",
                 "reporter_id_number": "attribute[id_number]", "credit_code": "attribute[credit_code]",
                 "enterprise_name": "attribute[enterprise_name]"}
        if hasattr(exc, "error_dict"):
            messages = [f"{names.get(f, f)}：{m}" if f != "__all__" else m
                        for f, ms in exc.message_dict.items() for m in ms]
        else:
            messages = exc.messages
        raise Open311Error(400, *messages)
    logger.info("open311 request filed %s key=%s", case.tracking_number, key.pk)
    return _json(
        [{"service_request_id": case.tracking_number, "service_notice": selectors.request_dict(case)["service_notice"],
          "account_id": None}],
        status=201,
    )


def _int_param(request, name: str, default: int, maximum: int) -> int:
    value = request.GET.get(name, "")
    if not value:
        return default
    # isascii: "²" is a digit to isdigit() but not to int().
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise Open311Error(400, _("%(name)s 应为正整数。") % {"name": name})
    return min(int(value), maximum)


def _list_requests(request):
    """GET requests.json: filters service_request_id, service_code, status, start_date, end_date; paged."""
    key = _authenticate(request, request.GET, required=False)
    qs = selectors.public_requests()
    district = _district(request.GET.get("jurisdiction_id", ""))
    if district is not None:
        qs = qs.filter(district=district)
    ids = [i.strip().upper() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        # The standard: a list of ids overrides every other filter.
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _("service_request_id 一次最多 %(n)d 个。") % {"n": MAX_IDS})
        qs = qs.filter(tracking_number__in=ids)
    else:
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            items = [selectors.service_for_code(c) for c in codes]
            if any(item is False for item in items):
                raise Open311Error(400, _("service_code 不正确：请从 services.json 中选择。"))
            pks = [item.pk for item in items if item is not None]
            general = any(item is None for item in items)
            from django.db.models import Q

            condition = Q(service_item__in=pks)
            if general:
                condition |= Q(service_item__isnull=True)
            qs = qs.filter(condition)
        statuses = [s.strip().lower() for s in request.GET.get("status", "").split(",") if s.strip()]
        if statuses:
            if not set(statuses) <= {"open", "closed"}:
                raise Open311Error(400, _("status 只能是 open 或 closed。"))
            wanted = []
            if "open" in statuses:
                wanted += selectors.OPEN_STATES
            if "closed" in statuses:
                wanted += selectors.CLOSED_STATES
            qs = qs.filter(status__in=wanted)
        start = _parse_when(request.GET.get("start_date", ""), "start_date")
        end = _parse_when(request.GET.get("end_date", ""), "end_date", end=True)
        if start is None and end is None:
            start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
        elif start is None:
            start = end - datetime.timedelta(days=DEFAULT_DAYS)
        if start is not None and end is not None and start > end:
            raise Open311Error(400, _("start_date 不能晚于 end_date。"))
        qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
    page_size = _int_param(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    page_number = _int_param(request, "page", 1, 10**6)
    paginator = Paginator(qs, page_size)
    if page_number > max(paginator.num_pages, 1):
        return _json([])
    page = paginator.page(page_number)
    response = _json([selectors.request_dict(case, key=key) for case in page.object_list])
    response["X-Total-Count"] = str(paginator.count)
    if page.has_next():
        query = request.GET.copy()
        query.pop("api_key", None)
        query["page"] = str(page_number + 1)
        response["Link"] = f'<{request.path}?{query.urlencode()}>; rel="next"'
    return response


@_handle
def request_detail(request, request_id: str, fmt: str):
    """GET requests/{id}.json: one case, as a list of one."""
    _check_format(fmt)
    key = _authenticate(request, request.GET, required=False)
    case = selectors.public_requests().filter(tracking_number=request_id.strip().upper()).first()
    if case is None:
        raise Open311Error(404, _("没有这个 service_request_id。"))
    return _json([selectors.request_dict(case, key=key)])

