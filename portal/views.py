from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control


@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /cases/",
        "Disallow: /api/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@cache_control(max_age=7 * 86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for on every site whatever the page links."""
    from django.contrib.staticfiles import finders

    path = finders.find("favicon.ico") or str(settings.STATIC_ROOT / "favicon.ico")
    try:
        with open(path, "rb") as fh:
            return HttpResponse(fh.read(), content_type="image/x-icon")
    except OSError:
        raise Http404


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


# How long a reader is asked to wait before retrying while the database is away.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """The error, or one it arose from, says the database cannot be reached right now."""
    from django.db import InterfaceError, OperationalError

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def server_error(request):
    """handler500: every uncaught error, from a view or from any middleware.

    The database away (a restart, a failover) answers the 503 page that says to retry:
    it may fail outside any view too (a signed-in reader's session is loaded and saved
    by the session middleware), so this is the one place that catches it everywhere.
    Django's next request opens a fresh connection (health checks): no restart needed.
    """
    import sys

    # No context processors: the error may come from one of them, or need the database.
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def error_page(status: int, title: str, lead: str, advice: str = "") -> HttpResponse:
    """A plain Chinese error page rendered without the request.

    No context processors and no request: a bad Host header, an oversized body or a
    broken session must not fail a second time while the error is being shown. It
    says what the reader can do, never how the server is configured.
    """
    html = loader.get_template("error.html").render({"title": title, "lead": lead, "advice": advice})
    response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    # Also a wrong Host header, a body over the size limit or too many form fields.
    return error_page(
        400,
        _("请求无法处理"),
        _("您提交的内容无法处理：可能是链接不完整，或一次提交的内容过多。"),
        _("请返回上一页检查后重试；附件或文字较多时，请分几次提交。"),
    )


def permission_denied(request, exception=None):
    return error_page(
        403, _("没有访问权限"), _("您没有查看这个页面的权限。"),
        _("工作人员请确认已用本人账号登录；公众请从首页进入需要的服务。"),
    )


def csrf_failure(request, reason=""):
    return error_page(
        403,
        _("页面已过期，请刷新后重试"),
        _("为保护您提交的信息，这个表单需要重新打开后再提交。"),
        _("请返回上一页，刷新页面后重新提交；如仍不行，请允许浏览器保存本网站的 Cookie。"),
    )


def method_not_allowed(allowed: str = "") -> HttpResponse:
    response = error_page(
        405, _("无法以这种方式访问"), _("这个地址不支持您使用的访问方式。"),
        _("请从页面上的链接或按钮进入，不要直接打开提交表单的地址。"),
    )
    if allowed:
        response["Allow"] = allowed
    return response


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once an account has too many failed logins (AXES_LOCKOUT_CALLABLE)."""
    from django.conf import settings

    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return error_page(
        429,
        _("登录失败次数过多，账号已暂时锁定"),
        _("为保护账号安全，连续输错密码 %(n)d 次后，该账号将暂停登录 %(m)d 分钟。")
        % {"n": settings.AXES_FAILURE_LIMIT, "m": minutes},
        _("请 %(m)d 分钟后再试。如忘记密码，请联系本单位的系统管理员重置；如非本人操作，请立即告知管理员。")
        % {"m": minutes},
    )
