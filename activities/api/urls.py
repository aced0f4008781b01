from django.urls import path

from activities.api.views import ActivityExportApi, ActivityListApi

urlpatterns = [
    path("activities/", ActivityListApi.as_view(), name="activity-list"),
    path("activities/export.csv", ActivityExportApi.as_view(), name="activity-export"),
]
