"""The frontend JSON API's error translator and pagination.

Every error leaves as `{"error": {"code", "message", "details"}, "request_id"}` with a 4xx/5xx status.

The translator is table-driven: `exception_handler_for(table)` makes DRF's `EXCEPTION_HANDLER` from a table
`DomainError` class -> HTTP status. The table itself is `config.frontend_errors.FRONTEND_ERRORS` (common may
import no app, and the table names every app's errors). A class missing from the table is a programming error:
logged with the request id and answered 500 `server_error`, never a guessed 4xx.
"""

import base64
import binascii
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import set_rollback

from common.authentication import CsrfFailed
from common.errors import DomainError, TooManyAttemptsError
from common.request_id import current_request_id

logger = logging.getLogger(__name__)

# DRF exception class -> stable code. Anything else DRF raises keeps its own `default_code`.
DRF_CODES: dict[type[exceptions.APIException], str] = {
    CsrfFailed: "csrf_failed",
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "details": details or {}},
        "request_id": current_request_id(),
    }


def _validation_message(details: Any) -> str:
    """One readable sentence from DRF's nested field errors: the first field and its first problem."""
    if isinstance(details, dict):
        for field, problems in details.items():
            first = problems[0] if isinstance(problems, list) and problems else problems
            if isinstance(first, dict):
                return _validation_message(first)
            if field == "non_field_errors":
                return str(first)
            return f"{field}: {first}"
    if isinstance(details, list) and details:
        return str(details[0])
    return "Invalid input."


ErrorTable = Mapping[type[DomainError], int]
ExceptionHandler = Callable[[Exception, dict[str, Any]], Response | None]


def _server_error_body() -> dict[str, Any]:
    # No exception text: it may hold data that must not leave the server. The request id finds the log line.
    return error_body("server_error", "Internal server error.")


def _domain_error(exc: DomainError, table: ErrorTable) -> Response:
    set_rollback()
    status_code = table.get(type(exc))
    if status_code is None:
        logger.error(
            "unmapped domain error %s (code %r): a programming error; name it in "
            "config/frontend_errors.py",
            type(exc).__name__,
            exc.code,
        )
        return Response(_server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttemptsError):
        headers["Retry-After"] = str(exc.retry_after)
    return Response(
        error_body(exc.code, exc.message, exc.details), status=status_code, headers=headers
    )


def exception_handler_for(table: ErrorTable) -> ExceptionHandler:
    """DRF's exception handler, translating domain errors through `table` (class -> HTTP status)."""

    def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
        if isinstance(exc, DomainError):
            return _domain_error(exc, table)
        return _framework_error(exc)

    # The OpenAPI schema lists each status's error codes from the very table the handler answers with.
    exception_handler.table = table  # type: ignore[attr-defined]
    return exception_handler


def _framework_error(exc: Exception) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        return None  # a programming error: Django logs it and `server_error` answers

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    code = DRF_CODES.get(type(exc), exc.default_code)
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(code, _validation_message(details), details)  # type: ignore[arg-type]
    else:
        body = error_body(code, str(exc.detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """`CSRF_FAILURE_VIEW`: views guarded by Django's CSRF middleware (login) refuse in the JSON envelope too."""
    return JsonResponse(
        error_body(CsrfFailed.default_code, f"{CsrfFailed.default_detail} ({reason})"),
        status=status.HTTP_403_FORBIDDEN,
    )


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


class NewestFirstCursorPagination(BasePagination):
    """Keyset pages over `(created_at, id)`, newest first.

    DRF's CursorPagination positions on the first ordering field alone and uses an offset for ties, so rows that
    share a timestamp can repeat or go missing across pages when rows are added meanwhile. A cursor that holds both
    the time and the id of the last row seen is exact, and each page is one index range scan however deep it is.
    """

    page_size = 50
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[no-untyped-def]
        self.request = request
        self.size = self._page_size(request.query_params.get("page_size"))
        cursor = request.query_params.get("cursor")
        if cursor:
            created_at, last_id = _decode_cursor(cursor)
            queryset = queryset.filter(
                Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=last_id)
            )
        rows = list(queryset.order_by("-created_at", "-id")[: self.size + 1])
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        return self.page

    def _page_size(self, raw: str | None) -> int:
        """The requested page size; anything but a whole number in 1..max is refused, never silently replaced."""
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):  # type: ignore[no-untyped-def]
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Opaque position from the previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        last = self.page[-1]
        token = base64.urlsafe_b64encode(
            f"{last.created_at.isoformat()}|{last.id}".encode()
        ).decode()
        return replace_query_param(self.request.build_absolute_uri(), "cursor", token)

    def get_paginated_response(self, data):  # type: ignore[no-untyped-def]
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):  # type: ignore[no-untyped-def]
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "results": schema,
            },
        }


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        created_at, last_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        parsed, row_id = datetime.fromisoformat(created_at), int(last_id)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise exceptions.ValidationError({"cursor": ["Invalid cursor."]}) from exc
    if parsed.tzinfo is None:
        raise exceptions.ValidationError({"cursor": ["Invalid cursor."]})
    return parsed, row_id


# Numbers as the protocol writes them: ASCII digits, an optional fraction; no sign, exponent, spaces, or the
# other scripts' digits that `\d` and `Decimal()` accept ("１", "١").
ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)


class AsciiDecimalField(serializers.DecimalField):
    """DRF's DecimalField that accepts only `[0-9]+(\\.[0-9]+)?` (a JSON number or a string), checked before
    `Decimal()` sees the text; anything else is a 400 field error. A leading `-` passes here so that the
    field's own bounds and the service can say what is wrong with a negative amount."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            self.fail("invalid")
        text = (
            repr(data) if isinstance(data, float) else str(data) if isinstance(data, int) else data
        )
        if not isinstance(text, str) or not ASCII_DECIMAL.fullmatch(text):
            self.fail("invalid")
        return super().to_internal_value(text)
