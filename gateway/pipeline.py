"""The checks and the call every door shares once it knows who is calling (REST views, WebSocket consumer).

    private: action lookup -> permission -> rate limit (per key, one counter for both doors) -> parameters
             -> replay guard (mutating REST calls) -> handler
    public:  action lookup -> rate limit (per client IP) -> parameters -> handler

Who the caller is (REST: signed headers on every request; WebSocket: one `auth` frame per socket) and the IP
whitelist are checked by the door before it gets here. `run_*` never raise: an error becomes `Served.failure`
(the wire status and text), and `record_private` writes the call's activity row as the REST door always has.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from activities.models import Outcome
from apikeys.selectors import AuthKey
from gateway import audit, envelope, permissions, replay, throttling
from gateway.errors import BadRequestError
from gateway.params import validate_params
from gateway.registry import Action, Call, get_action


@dataclass
class Served:
    """What one call came to: `data` on success, else `failure`; with what was known on the way."""

    data: Any = None
    failure: envelope.Failure | None = None
    error: BaseException | None = None
    quota: throttling.Quota | None = None
    entry: Action | None = None
    params: dict[str, Any] | None = None
    call: Call | None = None


def known_action(name: str, *, public: bool) -> Action:
    entry = get_action(name, public=public)
    if entry is None:
        raise BadRequestError()
    return entry


def _fail(served: Served, exc: BaseException) -> Served:
    served.failure = envelope.translate(exc)
    served.error = exc
    # A 429 carries the exhausted quota, so the answer can still say when the window resets.
    served.quota = served.quota or getattr(exc, "quota", None)
    return served


def run_private(
    *,
    key: AuthKey,
    ip: str | None,
    action_name: str,
    now: float,
    moment: datetime,
    params: Callable[[], dict[str, Any]],
    signature: str | None = None,
) -> Served:
    """Serve one call of an authenticated key whose IP passed its whitelist. `params` reads the raw
    parameters (a JSON object); `signature` turns on the replay guard for mutating actions (REST)."""
    served = Served()
    try:
        served.entry = entry = known_action(action_name, public=False)
        permissions.check_permission(key=key, action=entry)
        served.quota = throttling.consume(
            scope="key",
            identity=str(key.id),
            cost=entry.cost,
            limit=settings.GATEWAY_RATE_LIMIT_PRIVATE,
            now=now,
        )
        served.params = params()
        served.params = checked = validate_params(entry.params, served.params)
        if entry.mutates and signature is not None:
            replay.guard(key=key, signature=signature)
        served.call = Call(action=entry, user_id=key.user_id, key=key, ip=ip, now=moment)
        served.data = entry.handler(checked, served.call)
    # Every error leaves in the envelope; translate() logs the unexpected ones.
    except Exception as exc:  # noqa: BLE001
        return _fail(served, exc)
    return served


def run_public(
    *, ip: str | None, action_name: str, now: float, params: Callable[[], dict[str, Any]]
) -> Served:
    """Serve one call without a key, rate-limited per client IP."""
    served = Served()
    try:
        served.entry = entry = known_action(action_name, public=True)
        served.quota = throttling.consume(
            scope="ip",
            identity=ip or "unknown",
            cost=entry.cost,
            limit=settings.GATEWAY_RATE_LIMIT_PUBLIC,
            now=now,
        )
        served.params = validate_params(entry.params, params())
        moment = datetime.fromtimestamp(now, UTC)
        served.call = Call(action=entry, user_id=None, key=None, ip=ip, now=moment)
        served.data = entry.handler(served.params, served.call)
    # Every error leaves in the envelope; translate() logs the unexpected ones.
    except Exception as exc:  # noqa: BLE001
        return _fail(served, exc)
    return served


def record_private(
    *, key: AuthKey, action_name: str, served: Served, ip: str | None, moment: datetime
) -> None:
    """The call's activity row: reads and refusals here; a successful mutating action wrote its own."""
    failure, entry, call = served.failure, served.entry, served.call
    if failure is None and entry is not None and entry.mutates:
        return
    audit.record_call(
        key=key,
        user=call.user_ref() if call is not None else None,
        action_name=action_name,
        action=entry,
        params=served.params,
        ip=ip,
        now=moment,
        outcome=Outcome.OK if failure is None else failure.outcome,
        reason=None if failure is None else failure.reason,
    )
