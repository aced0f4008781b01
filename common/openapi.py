"""OpenAPI pieces shared by every frontend endpoint: the error envelope, its codes, pagination, session auth.

Every operation's error responses are added here, not hand-listed per view, so the schema says what the code
does:
  * 400 always (bad JSON, bad parameters, a refused action);
  * 403 when the operation needs a login, or changes state (CSRF);
  * 404 when the path names an object, or the operation changes state (it may name an account or a pair);
  * 409 and 429 when the operation changes state (conflicts; failed-attempt limits on codes and logins);
  * 503 when it changes trading state (`trading_unavailable`: the pair's matcher did not take the command in
    time; nothing was done, retry later).
Each status's `error.code` is an enum derived from the error table the exception handler answers with
(config/frontend_errors.py: `DomainError` class -> status) and from DRF's exceptions (`common.api.DRF_CODES`), so a
new error class shows up in the schema as soon as it is in the table.
"""

from collections import defaultdict
from functools import cache
from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid`, with per-field `details`) or an action the rules refuse.",
    403: "Not logged in, CSRF check failed (`csrf_failed`), or not allowed.",
    404: "The object named in the path or the body does not exist (or is not yours).",
    409: "The request conflicts with the current state.",
    429: "Too many failed attempts; wait `Retry-After` seconds (also in `details.retry_after`).",
    503: "The pair's matcher did not take the command in time (`trading_unavailable`); nothing was done.",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Session authentication sends no WWW-Authenticate challenge, so DRF answers these with 403, not 401
# (`APIView.handle_exception`).
_SESSION_AUTH_STATUS = {exceptions.NotAuthenticated: 403, exceptions.AuthenticationFailed: 403}


@cache
def error_codes() -> dict[int, tuple[str, ...]]:
    """Every `error.code` the frontend API can answer, by HTTP status (4xx, and 503): the domain errors of the table
    the configured exception handler translates with (config/frontend_errors.py), and DRF's codes."""
    from common.api import DRF_CODES  # common.api imports this module's users; keep the cycle lazy

    table = getattr(api_settings.EXCEPTION_HANDLER, "table", {})
    by_status: dict[int, set[str]] = defaultdict(set)
    for cls, status in table.items():
        by_status[status].add(cls.code)
    for exc_class, code in DRF_CODES.items():
        by_status[_SESSION_AUTH_STATUS.get(exc_class, exc_class.status_code)].add(code)
    return {status: tuple(sorted(codes)) for status, codes in sorted(by_status.items())}


@cache
def error_serializer(status: int) -> serializers.Serializer:
    """`Error<status>`: the envelope, whose `code` the postprocessing hook turns into that status's enum."""
    return inline_serializer(
        name=f"Error{status}",
        fields={
            "error": inline_serializer(
                name=f"Error{status}Body",
                fields={
                    "code": serializers.CharField(help_text="Stable machine-readable code."),
                    "message": serializers.CharField(help_text="Human-readable, safe to show."),
                    "details": serializers.DictField(
                        help_text="Per-field problems or extra facts."
                    ),
                },
            ),
            "request_id": serializers.CharField(
                help_text="Also in the X-Request-ID header; quote it when reporting a problem."
            ),
        },
    )


# Kept for views that still spread it into `responses`; AutoSchema replaces every 4xx with the derived ones.
ErrorSerializer = error_serializer(400)
ERROR_RESPONSES: dict[int, OpenApiResponse] = {}


def postprocess_error_codes(
    result: dict[str, Any], generator: Any, **kwargs: Any
) -> dict[str, Any]:
    """Fill each `Error<status>Body.code` with its enum and an example (after drf-spectacular's enum hook)."""
    schemas = result.get("components", {}).get("schemas", {})
    for status, codes in error_codes().items():
        body = schemas.get(f"Error{status}Body")
        if body is None:
            continue
        body["properties"]["code"] = {
            "type": "string",
            "enum": list(codes),
            "description": "Stable machine-readable code.",
        }
        schemas[f"Error{status}"]["example"] = _error_example(status, codes)
    return result


# Property name -> an example in the demo data's shapes (BTC-USD near 97,250, sub-account `bot1`). Swagger UI
# otherwise invents values from the decimal pattern (`"price": "-4180"`).
EXAMPLES: dict[str, Any] = {
    "price": "97250.5",
    "stop_price": "96000",
    "average_price": "97250.5",
    "amount": "0.015",
    "executed_amount": "0.015",
    "quote_amount": "1458.75",
    "executed_quote": "1458.75",
    "fee": "3.65",
    "fee_amount": "3.65",
    "available": "18541.25",
    "locked": "1458.75",
    "balance": "20000",
    "total": "20000",
    "volume": "125000",
    "pair": "BTC-USD",
    "symbol": "BTC-USD",
    "currency": "USD",
    "fee_currency": "USD",
    "account": "bot1",
    "from_account": "bot1",
    "to_account": "bot2",
    "name": "bot1",
    "email": "demo@example.com",
    "client_order_id": "my-order-0001",
    "client_tx_id": "tx-0001",
}


def postprocess_examples(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Give decimal and well-known properties, and path parameters, a realistic example unless one is set."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if parameter["in"] == "path" and name in EXAMPLES and "example" not in parameter:
                    parameter["example"] = EXAMPLES[name]
    for schema in result.get("components", {}).get("schemas", {}).values():
        for name, prop in schema.get("properties", {}).items():
            if "example" in prop or "$ref" in prop or name not in EXAMPLES:
                continue
            example = EXAMPLES[name]
            if prop.get("format") == "decimal" or (
                prop.get("type") == "string" and "enum" not in prop and "format" not in prop
            ):
                prop["example"] = example
    return result


def _error_example(status: int, codes: tuple[str, ...]) -> dict[str, Any]:
    examples = {
        400: ("invalid", "amount: Ensure that there are no more than 2 decimal places.", {}),
        403: ("not_authenticated", "Authentication credentials were not provided.", {}),
        404: ("order_not_found", "Order not found.", {"order_id": 1042}),
        429: ("too_many_attempts", "Too many failed attempts. Try again in 840 seconds.", {}),
    }
    code, message, details = examples.get(status, (codes[0], "The request was refused.", {}))
    if code not in codes:
        code = codes[0]
    return {
        "error": {"code": code, "message": message, "details": details},
        "request_id": "6f1c2a9e4b7d4e0f8a3c5d2b1e9f7a60",
    }


class SessionAuthScheme(SessionScheme):
    target_class = "common.authentication.SessionAuthentication"


class AutoSchema(openapi.AutoSchema):
    """Names nested serializers after their view (`LoginApi.InputSerializer` -> `LoginApiInput`), and adds the
    error responses each operation can give (see the module docstring).

    Views keep their `InputSerializer` / `OutputSerializer` nested (HackSoft style); without this every app's
    `InputSerializer` would claim the same component name and overwrite the others in the schema.
    """

    def get_serializer_name(
        self, serializer: serializers.BaseSerializer, direction: Literal["request", "response"]
    ) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname and "<locals>" not in qualname:
            return qualname.replace(".", "")
        return super().get_serializer_name(serializer, direction)

    def error_statuses(self) -> list[int]:
        unsafe = self.method in UNSAFE_METHODS
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        has_path_params = "{" in self.path
        statuses = [400]
        if unsafe or not public:
            statuses.append(403)
        if unsafe or has_path_params:
            statuses.append(404)
        if unsafe:
            statuses += [409, 429]
        if unsafe and self.path.startswith("/api/v1/trading/"):
            statuses.append(503)
        return statuses

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = {
            code: body
            for code, body in super()._get_response_bodies(direction).items()
            if not code.startswith("4") and code != "503"
        }
        codes = error_codes()
        for status in self.error_statuses():
            if status in codes:
                responses[str(status)] = self._get_response_for_code(
                    OpenApiResponse(
                        error_serializer(status), description=ERROR_DESCRIPTIONS[status]
                    ),
                    str(status),
                )
        return responses
