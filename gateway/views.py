"""The two doors of the trading API: `POST /api/spot/rest/<action>` (signed) and `/rest-public/<action>`.

Plain Django views with a small explicit pipeline rather than DRF's `APIView`: the gateway answers only in the
protocol's envelope and needs none of DRF's negotiation, parsing or rendering, which cost more per call than the
checks themselves. Each check keeps its own module (STYLE §3):

    signed:  body size -> authentication (key, active, timestamp, signature) -> permissions (IP whitelist)
             -> action lookup -> permissions (action's permission) -> throttling (per key) -> JSON
             -> parameters -> replay guard (mutating actions) -> handler -> envelope -> activity row
    public:  body size -> action lookup -> throttling (per client IP) -> JSON -> parameters -> handler

The action name is checked after the signature, which covers it, so a tampered name is an invalid signature.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt

from activities.models import Outcome
from apikeys.selectors import AuthKey
from common.client_ip import client_ip
from gateway import audit, envelope, permissions, replay, throttling
from gateway.authentication import SIGNATURE_HEADER, authenticate, note_use
from gateway.errors import BadRequestError, BodyTooLargeError, GatewayError
from gateway.params import parse_body, validate_params
from gateway.registry import Action, Call, get_action

# The gateway's clock: Unix seconds, read once per call and passed down (`now`) to every check that needs the
# time. A module attribute, so tests can set it and check the timestamp window to the second.
clock: Callable[[], float] = time.time


def read_body(request: HttpRequest) -> bytes:
    """The raw body, refused (413) past `GATEWAY_MAX_BODY_BYTES` before it is read when the length is declared."""
    if request.method != "POST":
        raise GatewayError("Method Not Allowed", status=405, reason="method_not_allowed")
    limit = settings.GATEWAY_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise BadRequestError() from exc
    too_large = BodyTooLargeError(f"Request body is larger than {limit} bytes")
    if declared > limit:
        raise too_large
    try:
        body = request.body
    except (RequestDataTooBig, RawPostDataException) as exc:
        raise too_large from exc
    if len(body) > limit:
        raise too_large
    return body


def _known_action(name: str, *, public: bool) -> Action:
    entry = get_action(name, public=public)
    if entry is None:
        raise BadRequestError()
    return entry


def _finish(response: HttpResponse, quota: throttling.Quota | None) -> HttpResponse:
    if quota is not None:
        for name, value in quota.headers().items():
            response[name] = value
        if quota.used > quota.limit:
            response["Retry-After"] = str(quota.reset_s)
    return response


def _failure(
    exc: BaseException, quota: throttling.Quota | None
) -> tuple[HttpResponse, envelope.Failure, throttling.Quota | None]:
    failure = envelope.translate(exc)
    # A 429 carries the exhausted quota, so its response still says when the window resets.
    return (
        envelope.error(failure.status, failure.message),
        failure,
        quota or getattr(exc, "quota", None),
    )


@csrf_exempt
def private_action(request: HttpRequest, action: str) -> HttpResponse:
    now = clock()
    moment = datetime.fromtimestamp(now, UTC)
    ip = client_ip(request)
    quota: throttling.Quota | None = None
    entry: Action | None = None
    params: dict[str, Any] | None = None
    call: Call | None = None
    authenticated = False
    try:
        body = read_body(request)
        key = authenticate(request, action_name=action, body=body, now=now)
        authenticated = True
        permissions.check_ip(key=key, ip=ip)
        entry = _known_action(action, public=False)
        permissions.check_permission(key=key, action=entry)
        quota = throttling.consume(
            scope="key",
            identity=str(key.id),
            cost=entry.cost,
            limit=settings.GATEWAY_RATE_LIMIT_PRIVATE,
            now=now,
        )
        params = parse_body(body)
        params = validate_params(entry.params, params)
        if entry.mutates:
            replay.guard(key=key, signature=request.META[SIGNATURE_HEADER])
        call = Call(action=entry, user_id=key.user_id, key=key, ip=ip, now=moment)
        response = envelope.ok(entry.handler(params, call))
        failure = None
    # Every error leaves in the envelope; translate() logs the unexpected ones.
    except Exception as exc:  # noqa: BLE001
        response, failure, quota = _failure(exc, quota)

    known: AuthKey | None = getattr(request, "gateway_key", None)
    if known is not None:
        if authenticated:
            note_use(key=known, ip=ip, now=moment)
        if failure is not None or entry is None or not entry.mutates:
            audit.record_call(
                key=known,
                user=call.user_ref() if call is not None else None,
                action_name=action,
                action=entry,
                params=params,
                ip=ip,
                now=moment,
                outcome=Outcome.OK if failure is None else failure.outcome,
                reason=None if failure is None else failure.reason,
            )
    return _finish(response, quota)


@csrf_exempt
def public_action(request: HttpRequest, action: str) -> HttpResponse:
    now = clock()
    quota: throttling.Quota | None = None
    try:
        body = read_body(request)
        entry = _known_action(action, public=True)
        ip = client_ip(request)
        quota = throttling.consume(
            scope="ip",
            identity=ip or "unknown",
            cost=entry.cost,
            limit=settings.GATEWAY_RATE_LIMIT_PUBLIC,
            now=now,
        )
        params = validate_params(entry.params, parse_body(body))
        call = Call(
            action=entry, user_id=None, key=None, ip=ip, now=datetime.fromtimestamp(now, UTC)
        )
        response = envelope.ok(entry.handler(params, call))
    # Every error leaves in the envelope; translate() logs the unexpected ones.
    except Exception as exc:  # noqa: BLE001
        response, _, quota = _failure(exc, quota)
    return _finish(response, quota)


@csrf_exempt
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /api/spot/ (no action, extra path segments): the envelope, never Django's 404 page."""
    return envelope.error(400, "Bad Request")
