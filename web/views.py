"""The customer web app's one HTML page. Everything after it happens in the browser, on the public JSON API.

The shell carries no user data and no server-side state: the page's ES modules ask /api/v1/ for everything, the
way any frontend team's app would. It is served at every path the app routes to (including the links the
e-mails carry, /account/verify-email/<key> and /account/password/reset/<key>), so a reload or a link lands on
the right section.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe


@require_safe
@ensure_csrf_cookie  # the first API call can send X-CSRFToken without a round trip to /auth/csrf/
def shell(request: HttpRequest, **_route: str) -> HttpResponse:
    response = render(request, "web/index.html")
    # The shell is the same for everyone, but it must not be cached across a logout by a shared proxy.
    response["Cache-Control"] = "no-store"
    return response
