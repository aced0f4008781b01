from django.urls import path, re_path

from web.views import shell

# The app's own routes (web/static/web/app.js has the same list). Anything else stays a JSON 404.
SECTIONS = (
    r"(?:profile|security|api-keys|trading-conditions|fees|activities|login|signup|password-reset)"
)

urlpatterns = [
    path("", shell, name="web"),
    re_path(rf"^{SECTIONS}/?$", shell),
    path("account/verify-email/<str:key>", shell, name="web-verify-email"),
    path("account/password/reset", shell),
    path("account/password/reset/<str:key>", shell, name="web-password-reset"),
    path("account/signup", shell),
]
