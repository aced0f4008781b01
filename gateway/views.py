"""The two doors of the trading API: `POST /api/spot/rest/<action>` (signed) and `/rest-public/<action>`.

Plain Django views with a small explicit pipeline rather than DRF's `APIView`: the gateway answers only in the
protocol's envelope and needs none of DRF's negotiation, parsing or rendering, which cost more per call than the
checks themselves. Each check keeps its own module (STYLE §3):

    signed:  body size -> authentication (key, active, timestamp, signature) -> permissions (IP whitelist)
             -> action lookup -> permissions (action's permission) -> throttling (per key) -> JSON
             -> parameters -> replay guard (mutating actions) -> handler -> envelope -> activity row
    public:  body size -> action lookup -> throttling (per client IP) -> JSON -> parameters -> handler

The action name is checked after the signature, which covers it, so a tampered name is an invalid signature.
Everything after the IP whitelist is `gateway/pipeline.py`, shared with the WebSocket door (gateway/consumers.py).
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt

from apikeys.selectors import AuthKey
from common.client_ip import client_ip
from gateway import envelope, permissions, pipeline, throttling
from gateway.authentication import SIGNATURE_HEADER, authenticate, note_use
from gateway.errors import BadRequestError, BodyTooLargeError, GatewayError
from gateway.params import parse_body

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


def _finish(response: HttpResponse, quota: throttling.Quota | None) -> HttpResponse:
    if quota is not None:
        for name, value in quota.headers().items():
            response[name] = value
        if quota.used > quota.limit:
            response["Retry-After"] = str(quota.reset_s)
    return response


def _answer(served: pipeline.Served) -> HttpResponse:
    if served.failure is None:
        return _finish(envelope.ok(served.data), served.quota)
    return _finish(envelope.error(served.failure.status, served.failure.message), served.quota)


@csrf_exempt
def private_action(request: HttpRequest, action: str) -> HttpResponse:
    now = clock()
    moment = datetime.fromtimestamp(now, UTC)
    ip = client_ip(request)
    try:
        body = read_body(request)
        key = authenticate(request, action_name=action, body=body, now=now)
        note_use(key=key, ip=ip, now=moment)
        permissions.check_ip(key=key, ip=ip)
        served = pipeline.run_private(
            key=key,
            ip=ip,
            action_name=action,
            now=now,
            moment=moment,
            params=lambda: parse_body(body),
            signature=request.META[SIGNATURE_HEADER],
        )
    # Every error leaves in the envelope; translate() logs the unexpected ones.
    except Exception as exc:  # noqa: BLE001
        served = pipeline.Served(failure=envelope.translate(exc), quota=getattr(exc, "quota", None))

    known: AuthKey | None = getattr(request, "gateway_key", None)
    if known is not None:
        pipeline.record_private(key=known, action_name=action, served=served, ip=ip, moment=moment)
    return _answer(served)


@csrf_exempt
def public_action(request: HttpRequest, action: str) -> HttpResponse:
    now = clock()
    try:
        body = read_body(request)
        served = pipeline.run_public(
            ip=client_ip(request), action_name=action, now=now, params=lambda: parse_body(body)
        )
    # Every error leaves in the envelope; translate() logs the unexpected ones.
    except Exception as exc:  # noqa: BLE001
        served = pipeline.Served(failure=envelope.translate(exc))
    return _answer(served)


@csrf_exempt
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /api/spot/ (no action, extra path segments): the envelope, never Django's 404 page."""
    return envelope.error(400, "Bad Request")
