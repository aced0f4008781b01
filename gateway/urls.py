"""The trading API's routes (mounted at /api/spot/ by config/urls.py). No trailing slashes, CSRF-exempt."""

from django.urls import path, re_path

from gateway import views
from gateway.reference import views as reference_views

urlpatterns = [
    path("rest/<str:action>", views.private_action, name="gateway-private"),
    path("rest-public/<str:action>", views.public_action, name="gateway-public"),
    path("docs/", reference_views.reference_html, name="gateway-reference"),
    path("docs/openapi.json", reference_views.reference_openapi, name="gateway-reference-openapi"),
    re_path(r"^(?P<rest>.*)$", views.unknown_route, name="gateway-unknown"),
]
