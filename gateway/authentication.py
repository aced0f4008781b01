"""Who signed the request: key, timestamp window, signature, in that order (ARCHITECTURE "A signed call").

Every failure is an `AuthenticationError` (401, `Authorization Failed: key not passed or incorrect (<why>)`).
The key is stored on the request (`request.gateway_key`) as soon as it is known, before any check that can fail,
so the refusal's activity row can name it.

Wrong signatures are limited (django-otp's throttling, applied to HMAC): each one counts against its key id and
against the client IP (an unknown key id counts against the IP), `GATEWAY_BAD_SIGNATURES_PER_KEY` /
`_PER_IP` per `GATEWAY_BAD_SIGNATURE_WINDOW_S`. Past either limit every call of that key, or from that IP, is
refused with 429 and `Retry-After` until the window ends, before the signature is even computed: key ids
travel in every request header, so guessing must not be free. The price: an attacker who knows a key id can
hold its owner off for a window (the owner's log shows it, aggregated).
"""

import logging
import re
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apikeys.selectors import AuthKey, api_key_get_for_auth
from apikeys.services import api_key_touch
from common.limits import FailureLimit
from gateway import signing
from gateway.errors import AuthenticationError

logger = logging.getLogger(__name__)

KEY_HEADER = "HTTP_X_AGGR_KEY"
TIMESTAMP_HEADER = "HTTP_X_AGGR_TIMESTAMP"
SIGNATURE_HEADER = "HTTP_X_AGGR_SIGNATURE"
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)  # matched whole: no "１", no trailing newline


def _signature_limits() -> tuple[FailureLimit, FailureLimit]:
    window = settings.GATEWAY_BAD_SIGNATURE_WINDOW_S
    return (
        FailureLimit("gw-sig-key", settings.GATEWAY_BAD_SIGNATURES_PER_KEY, window),
        FailureLimit("gw-sig-ip", settings.GATEWAY_BAD_SIGNATURES_PER_IP, window),
    )


def authenticate(
    request: HttpRequest, *, action_name: str, body: bytes, now: float, ip: str | None = None
) -> AuthKey:
    """The active key whose secret signed `action_name + timestamp + body` within the window of `now`.

    Reads the key through `apikeys.selectors.api_key_get_for_auth` (shared cache, invalidated on every change,
    so a deactivated or deleted key fails on the next request). Raises `AuthenticationError`, or
    `TooManyAttemptsError` (429) past the wrong-signature limits of the key or of `ip`. Writes nothing but the
    failure counters.
    """
    meta = request.META
    public_id = meta.get(KEY_HEADER, "")
    timestamp = meta.get(TIMESTAMP_HEADER, "")
    signature = meta.get(SIGNATURE_HEADER, "")
    if not public_id or not timestamp or not signature:
        raise AuthenticationError(reason="missing_headers")
    per_key, per_ip = _signature_limits()
    key = api_key_get_for_auth(public_id=public_id)
    if key is None:
        per_ip.check(ip)
        per_ip.fail(ip)
        raise AuthenticationError("Invalid API key", reason="unknown_key")
    request.gateway_key = key  # type: ignore[attr-defined]
    per_ip.check(ip)
    per_key.check(str(key.id))
    if not key.is_active:
        raise AuthenticationError("API key is not activated", reason="key_inactive")
    window = settings.GATEWAY_TIMESTAMP_WINDOW_S
    if not _TIMESTAMP.fullmatch(timestamp) or abs(int(timestamp) - now) > window:
        raise AuthenticationError(
            f"timestamp not in {window}sec range", reason="timestamp_out_of_range"
        )
    if not signing.verify(
        secret=key.secret, action=action_name, timestamp=timestamp, body=body, signature=signature
    ):
        per_key.fail(str(key.id))
        per_ip.fail(ip)
        raise AuthenticationError("invalid signature", reason="bad_signature")
    return key


# key id -> when this process last passed the key's use on to `api_key_touch`. `api_key_touch` itself writes at
# most once a minute per key across processes (a shared-cache guard); this local guard spares that cache round
# trip on every request.
_last_touch: dict[int, float] = {}


def note_use(*, key: AuthKey, ip: str | None, now: datetime, clock: Any = time.monotonic) -> None:
    """Record the key's last use (time and IP), at most once per `GATEWAY_TOUCH_INTERVAL_S` per process."""
    moment = clock()
    last = _last_touch.get(key.id)
    if last is not None and moment - last < settings.GATEWAY_TOUCH_INTERVAL_S:
        return
    _last_touch[key.id] = moment
    try:
        api_key_touch(key_id=key.id, ip=ip, now=now)
    except Exception:
        # A stamp is bookkeeping: failing to write it must not fail a call that has its answer.
        logger.exception("gateway: could not stamp the use of key %s", key.public_id)
