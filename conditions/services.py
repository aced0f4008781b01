"""Changes to trading conditions. Every change records who made it, so bots and support can see when and how
a pair's conditions moved (activity `conditions.pair_changed`, listed on the pair's admin page)."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from activities.actor import Actor
from activities.models import ActivityType
from activities.services import record
from conditions.errors import PairConditionsInvalidError
from conditions.models import Currency, Pair
from conditions.validation import pair_conditions_problems, plain

# Base, quote and symbol are fixed once a pair exists: orders, balances and history refer to them.
EDITABLE_FIELDS = (
    "tick_size",
    "min_price",
    "max_price",
    "lot_size",
    "min_amount",
    "max_amount",
    "min_value",
    "max_value",
    "base_precision",
    "quote_precision",
    "fee_currency",
    "status",
    "order_types",
    "time_in_force",
)
CREATE_FIELDS = ("base", "quote", *EDITABLE_FIELDS)


def _wire(value: Any) -> Any:
    """A JSON-safe form of a field value for the change record."""
    if isinstance(value, Currency):
        return value.pk
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return value


def _current_values(pair: Pair) -> dict[str, Any]:
    values = {field: getattr(pair, field) for field in CREATE_FIELDS}
    values["symbol"] = pair.symbol
    return values


def _refuse_if_inconsistent(values: Mapping[str, Any]) -> None:
    problems = pair_conditions_problems(values)
    if problems:
        first_field, messages = next(iter(problems.items()))
        raise PairConditionsInvalidError(f"{first_field}: {messages[0]}", details=problems)


@transaction.atomic  # not durable: the admin calls it inside its own transaction
def pair_create(*, user: Any, values: Mapping[str, Any], actor: Actor) -> Pair:
    """Create a pair from `values` (the fields of `CREATE_FIELDS`; the symbol is derived as BASE-QUOTE).

    Raises `PairConditionsInvalidError` (details: field -> problems) when the conditions are inconsistent, and
    `ValueError` for unknown fields. Records `conditions.pair_changed` on the staff `user`'s log, by `actor`, with every field as new.
    Locks nothing (the symbol's unique constraint settles a race).
    """
    unknown = set(values) - set(CREATE_FIELDS)
    if unknown:
        raise ValueError(f"unknown pair fields: {sorted(unknown)}")
    data = dict(values)
    data["symbol"] = f"{data['base'].pk}-{data['quote'].pk}"
    _refuse_if_inconsistent(data)
    pair = Pair.objects.create(**data)
    changes = {field: {"old": None, "new": _wire(data[field])} for field in CREATE_FIELDS}
    record(
        user=user,
        action=ActivityType.PAIR_CHANGED,
        actor=actor,
        details={"pair": pair.symbol, "created": True, "changes": changes},
    )
    return pair


@transaction.atomic  # not durable: the admin calls it inside its own transaction
def pair_update(
    *,
    pair: Pair,
    user: Any,
    changes: Mapping[str, Any],
    actor: Actor,
) -> Pair:
    """Apply `changes` (field -> new value, fields of `EDITABLE_FIELDS`) to the pair and return it fresh.

    Locks the pair row (`select_for_update`; the matching engine takes the same lock, so no order is matched
    against half-changed conditions). Raises `PairConditionsInvalidError` when the result would be inconsistent
    or a field is not editable; nothing changes then. Fields whose value does not change are ignored; if none
    changes, nothing is written. Otherwise saves the fields plus `updated_at` and records
    `conditions.pair_changed` on the staff `user`'s log, by `actor`, with details `{"pair", "changes": {field: {"old", "new"}}}`.
    """
    fixed = sorted(set(changes) - set(EDITABLE_FIELDS))
    if fixed:
        raise PairConditionsInvalidError(
            f"{fixed[0]}: cannot be changed",
            details={field: ["Cannot be changed."] for field in fixed},
        )
    locked = (
        Pair.objects.select_for_update()
        .select_related("base", "quote", "fee_currency")
        .get(pk=pair.pk)
    )
    values = _current_values(locked)
    values.update(changes)
    _refuse_if_inconsistent(values)

    diff: dict[str, dict[str, Any]] = {}
    for field, new in changes.items():
        old = getattr(locked, field)
        if _wire(old) != _wire(new):
            diff[field] = {"old": _wire(old), "new": _wire(new)}
            setattr(locked, field, new)
    if not diff:
        return locked
    locked.save(update_fields=[*diff, "updated_at"])
    record(
        user=user,
        action=ActivityType.PAIR_CHANGED,
        actor=actor,
        details={"pair": locked.symbol, "changes": diff},
    )
    return locked
