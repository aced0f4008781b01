from django.urls import path

from conditions.api import views

urlpatterns = [
    path(
        "trading-conditions/", views.TradingConditionsListApi.as_view(), name="trading-conditions"
    ),
    path(
        "trading-conditions/<str:symbol>/",
        views.TradingConditionsDetailApi.as_view(),
        name="trading-conditions-detail",
    ),
]
