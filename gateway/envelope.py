"""The protocol's envelope and the gateway's one error translator.

Success: HTTP 200 `{"ok": "ok", "data": ...}`. Error: `{"error": "<protocol text>", "statusCode": N}` with N as the
real HTTP status. Nothing else ever leaves the gateway: no HTML page, no DRF `detail`.

Translating exceptions (`translate`):
  * `GatewayError` (gateway/errors.py): its own status and text.
  * `DomainError` (services): looked up by `code` in `DOMAIN_ERRORS` -> (status, text), trying the error's
    class first and then its base classes (so one row serves a family, e.g. every `OrderRuleError`). The text
    is a string, a function of the error, or None for "the error's own message". An unlisted `DomainError`
    is 400 with its own message. Apps add rows here for codes whose protocol text or status differs.
  * DRF `ValidationError` raised inside a handler: 422 with its first message.
  * Anything else: logged with the request id, answered 500 `Unexpected error` (no exception text).
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from rest_framework.exceptions import ValidationError

from activities.models import Outcome
from common.errors import DomainError
from gateway.errors import GatewayError, ServerError
from gateway.params import _first_detail, iso_ms

logger = logging.getLogger(__name__)

RATE_LIMIT_TEXT = "API rate limit reached"

Text = str | Callable[[DomainError], str] | None


def _rule_failed(exc: DomainError) -> str:
    # "<rule> check failed" is the substring ccxt maps to BadRequest (cexio-protocol.md §5).
    return f"{getattr(exc, 'rule', 'order')} check failed: {exc.message}"


# DomainError.code -> (HTTP status, protocol text: fixed, a function of the error, or None = its message).
DOMAIN_ERRORS: dict[str, tuple[int, Text]] = {
    # common
    "not_found": (422, None),
    "permission_denied": (403, None),
    "too_many_attempts": (429, RATE_LIMIT_TEXT),
    # accounts: the verification level names the level needed in its message
    "verification_required": (403, None),
    # conditions ("Unsupported pair X" / "Unsupported currency X" are their messages)
    "pair_not_found": (422, None),
    "currency_not_found": (422, None),
    "order_rule_failed": (422, _rule_failed),
}


def _domain_row(exc: DomainError) -> tuple[int, Text]:
    for cls in type(exc).__mro__:
        code = getattr(cls, "code", None)
        if code in DOMAIN_ERRORS:
            return DOMAIN_ERRORS[code]
        if cls is DomainError:
            break
    return 400, None


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    message: str
    reason: str  # short code for the activity row
    outcome: str


def translate(exc: BaseException) -> Failure:
    """The wire status and text for an exception raised while serving a call (see the module docstring)."""
    if isinstance(exc, GatewayError):
        return Failure(exc.status, exc.message, exc.reason, Outcome.REFUSED)
    if isinstance(exc, DomainError):
        status, text = _domain_row(exc)
        message = text(exc) if callable(text) else text
        return Failure(status, message or exc.message, exc.code, Outcome.REFUSED)
    if isinstance(exc, ValidationError):
        return Failure(422, str(_first_detail(exc.detail)), "invalid_params", Outcome.REFUSED)
    logger.exception("gateway: unexpected error while serving a call")
    server = ServerError()
    return Failure(server.status, server.message, server.reason, Outcome.FAILED)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return iso_ms(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _response(payload: dict[str, Any], status: int) -> HttpResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_default)
    return HttpResponse(body.encode(), status=status, content_type="application/json")


def ok(data: Any) -> HttpResponse:
    return _response({"ok": "ok", "data": data}, 200)


def error(status: int, message: str) -> HttpResponse:
    return _response({"error": message, "statusCode": status}, status)
