"""The project's URLs plus a plain public view that renders a CSRF form."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

FORM = engines["django"].from_string(
    '<form method="post">{% csrf_token %}<button>提交</button></form>'
)


def csrf_form(request):
    return HttpResponse(FORM.render({}, request))


urlpatterns = [path("csrf-form/", csrf_form)] + portal_urlpatterns
