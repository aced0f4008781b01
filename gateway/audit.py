"""The activity row of a signed call: one per call whose key is known (reads and refusals; mutating actions
record their own row inside their service's transaction when they succeed).

Identical refusals are aggregated: the same key, action, reason and client IP within one calendar minute
(`GATEWAY_REFUSAL_AGGREGATE_S`) share one `gateway.refused` row whose `details.count` says how many calls it
stands for (and `details.last_at` when the last one came). 300 junk signatures in a minute are one row with
count 300, so the owner's log stays readable and still shows the attack. The row id of the current bucket is
kept in the counter cache (common/cache.py); while Redis is away the aggregation is per process.

Details are whitelisted: the action name, a short summary of the parameters the action declares loggable, and
the refusal reason. Never the signature, the secret or the raw body.
"""

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import FORBIDDEN_DETAIL_KEYS, record, record_repeat
from apikeys.selectors import AuthKey
from common.cache import counter_cache
from common.json_input import CONTROL_CHARACTERS
from gateway.registry import Action

logger = logging.getLogger(__name__)

_MAX_TEXT = 64
_MAX_ITEMS = 10


def _text(value: str) -> str:
    # Shown in the owner's log; PostgreSQL cannot store NUL in JSON text (the row would be lost).
    return CONTROL_CHARACTERS.sub("\ufffd", value[:_MAX_TEXT])


def _short(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")[:_MAX_TEXT]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_short(item) for item in value[:_MAX_ITEMS]]
    return _text(str(value))


def summarize(action: Action | None, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The loggable parameters of a call (those the action declares), shortened."""
    if action is None or not params:
        return {}
    return {
        name: _short(params[name])
        for name in action.log_params
        if name in params and name.lower() not in FORBIDDEN_DETAIL_KEYS
    }


def record_call(
    *,
    key: AuthKey,
    user: Any,
    action_name: str,
    action: Action | None,
    params: Mapping[str, Any] | None,
    ip: str | None,
    now: datetime,
    outcome: str,
    reason: str | None = None,
) -> None:
    """Write the call's one activity row: `gateway.call` when it succeeded, `gateway.refused` otherwise.

    Runs after the work, outside any transaction, so a rolled-back action cannot erase it. A failure to write
    is logged, never raised: the caller already has its answer.
    """
    details: dict[str, Any] = {"action": _text(action_name), "params": summarize(action, params)}
    if reason:
        details["reason"] = reason
    try:
        bucket = _bucket(key, action_name, reason, ip, now) if outcome != Outcome.OK else None
        if bucket is not None:
            row_id = counter_cache().get(bucket)
            if row_id is not None and record_repeat(activity_id=row_id, at=now):
                return
            details["count"] = 1
        row = record(
            user=user if user is not None else get_user_model()(pk=key.user_id),
            action=ActivityType.GATEWAY_CALL
            if outcome == Outcome.OK
            else ActivityType.GATEWAY_REFUSED,
            actor=Actor.gateway(ip=ip, api_key=key.public_id),
            details=details,
            outcome=outcome,
            at=now,
        )
        if bucket is not None:
            # Two processes may open the same bucket at once: then it has two rows, each counting its share.
            counter_cache().set(bucket, row.pk, timeout=settings.GATEWAY_REFUSAL_AGGREGATE_S + 10)
    except Exception:
        logger.exception("gateway: could not write the activity row for %s", action_name[:64])


def _bucket(
    key: AuthKey, action_name: str, reason: str | None, ip: str | None, now: datetime
) -> str | None:
    """The cache key under which identical refusals of this minute share a row (None: never aggregated)."""
    span = settings.GATEWAY_REFUSAL_AGGREGATE_S
    if span <= 0:
        return None
    what = f"{key.id}|{action_name}|{reason}|{ip}|{int(now.timestamp() // span)}"
    return "gw:refused:" + hashlib.sha256(what.encode("utf-8", "surrogatepass")).hexdigest()[:40]
