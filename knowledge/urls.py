from django.urls import path

from . import feeds, views

app_name = "knowledge"

urlpatterns = [
    path("feedback/<int:page_id>/", views.feedback_submit, name="feedback"),
    path("departments/", views.department_index, name="department_index"),
    path("departments/<str:slug>/", views.department_detail, name="department_detail"),
    path("policies/", views.policy_index, name="policy_index"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("tags/", views.tag_index, name="tag_index"),
    path("tags/<str:slug>/", views.tag_detail, name="tag_detail"),
    path("feeds/latest.rss", feeds.LatestContentFeed(), name="feed_rss"),
    path("feeds/latest.atom", feeds.LatestContentAtomFeed(), name="feed_atom"),
]
