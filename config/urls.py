from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from common.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("activities.api.urls")),
    path("api/v1/", include("ledger.api.urls")),
    path("api/v1/", include("conditions.api.urls")),
    path("api/v1/", include("fees.api.urls")),
    path("api/v1/", include("apikeys.api.urls")),
    path("api/v1/", include("trading.api.urls")),
    path("api/spot/", include("gateway.urls")),
    path("", include("web.urls")),  # the customer web app (its shell; the rest is static files)
]

handler404 = "common.api.not_found"
handler500 = "common.api.server_error"
