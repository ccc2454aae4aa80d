from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
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


def server_error(request):
    # No context processors: the error may come from one of them.
    return HttpResponseServerError(loader.get_template("500.html").render())
