from django.urls import path

from . import api, views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("search/click/", views.click, name="click"),
    path("search/read/", views.read, name="read"),
    path("api/search/", api.search_api, name="api"),
]
