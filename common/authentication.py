"""Session authentication for the frontend JSON API.

Its own module, not common/api.py: DRF imports the authentication classes named in settings while
`rest_framework.views` is still loading, and common/api.py needs that module.
"""

from rest_framework import authentication, exceptions


class CsrfFailed(exceptions.PermissionDenied):
    default_detail = (
        "CSRF check failed: send the csrftoken cookie's value as the X-CSRFToken header."
    )
    default_code = "csrf_failed"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with a CSRF refusal that has its own code (`csrf_failed`, 403)."""

    def enforce_csrf(self, request):  # type: ignore[no-untyped-def]
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed(
                f"{CsrfFailed.default_detail} ({_csrf_reason(str(exc.detail))})"
            ) from exc


def _csrf_reason(detail: str) -> str:
    return detail.removeprefix("CSRF Failed: ")
