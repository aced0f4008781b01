from django.urls import path

from apikeys.api import views

urlpatterns = [
    path("api-keys/", views.ApiKeyListCreateApi.as_view(), name="api-keys"),
    path("api-keys/<str:key_id>/", views.ApiKeyDetailApi.as_view(), name="api-key"),
    path(
        "api-keys/<str:key_id>/activation/",
        views.ApiKeyActivationRequestApi.as_view(),
        name="api-key-activation",
    ),
    path(
        "api-keys/<str:key_id>/activation/confirm/",
        views.ApiKeyActivationConfirmApi.as_view(),
        name="api-key-activation-confirm",
    ),
    path(
        "api-keys/<str:key_id>/deactivate/",
        views.ApiKeyDeactivateApi.as_view(),
        name="api-key-deactivate",
    ),
    path("api-keys/<str:key_id>/delete/", views.ApiKeyDeleteApi.as_view(), name="api-key-delete"),
]
