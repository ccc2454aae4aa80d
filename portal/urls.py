from django.conf import settings
from django.contrib.sitemaps.views import sitemap as django_sitemap  # noqa: F401
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal import views as portal_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", portal_views.robots_txt, name="robots_txt"),
    path("", include("portal.api")),
    path("open311/v2/", include("cases.open311.urls")),
    path("favicon.ico", portal_views.favicon, name="favicon"),
    path("", include("knowledge.urls")),
    path("", include("cases.urls")),
    path("", include("search.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.BANCHENG_BENCH_HELLO:
    from portal import bench_views

    urlpatterns += [path("bench/hello/", bench_views.hello, name="bench_hello")]

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
