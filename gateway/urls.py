"""The trading API's routes (mounted at /api/spot/ by config/urls.py). No trailing slashes, CSRF-exempt."""

from django.urls import path, re_path

from gateway import views

urlpatterns = [
    path("rest/<str:action>", views.private_action, name="gateway-private"),
    path("rest-public/<str:action>", views.public_action, name="gateway-public"),
    re_path(r"^(?P<rest>.*)$", views.unknown_route, name="gateway-unknown"),
]
