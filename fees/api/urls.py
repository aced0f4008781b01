from django.urls import path

from fees.api import views

urlpatterns = [
    path("fees/", views.FeeOverviewApi.as_view(), name="fees"),
]
