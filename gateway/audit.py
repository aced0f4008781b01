"""The activity row of a signed call: one per call whose key is known (reads and refusals; mutating actions
record their own row inside their service's transaction when they succeed).

Details are whitelisted: the action name, a short summary of the parameters the action declares loggable, and
the refusal reason. Never the signature, the secret or the raw body.
"""

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import FORBIDDEN_DETAIL_KEYS, record
from apikeys.selectors import AuthKey
from gateway.registry import Action

logger = logging.getLogger(__name__)

_MAX_TEXT = 64
_MAX_ITEMS = 10


def _short(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")[:_MAX_TEXT]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_short(item) for item in value[:_MAX_ITEMS]]
    return str(value)[:_MAX_TEXT]


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
    details: dict[str, Any] = {"action": action_name[:64], "params": summarize(action, params)}
    if reason:
        details["reason"] = reason
    try:
        record(
            user=user if user is not None else get_user_model()(pk=key.user_id),
            action=ActivityType.GATEWAY_CALL
            if outcome == Outcome.OK
            else ActivityType.GATEWAY_REFUSED,
            actor=Actor.gateway(ip=ip, api_key=key.public_id),
            details=details,
            outcome=outcome,
            at=now,
        )
    except Exception:
        logger.exception("gateway: could not write the activity row for %s", action_name[:64])
