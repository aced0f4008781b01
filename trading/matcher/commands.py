"""What the doors ask a pair's matcher to do, and what it answers: plain values that cross the broker as JSON.

Every command names its pair (`symbol`: it is routed to that pair's one writer), carries an `id` it is
deduplicated by (a redelivered command never executes twice: the matcher stores each id with its reply in the
batch's transaction, see `trading.matcher.runner`), the `actor` its activity rows name, and `at`, the time it
was issued (the embedded matcher keeps it; a matcher process stamps its own clock, so time priority follows the
sequence). Money travels as strings, times as ISO 8601.
"""

import dataclasses
import functools
import json
import types
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

from django.utils.module_loading import import_string

from activities.actor import Actor
from common.errors import DomainError


def new_id() -> str:
    return uuid.uuid4().hex


_seq: ContextVar[int | None] = ContextVar("command_seq", default=None)


@contextmanager
def numbered(seq: int | None) -> Iterator[None]:
    """The command run inside has number `seq` in its pair's sequence (the writer stamps what it creates)."""
    token = _seq.set(seq)
    try:
        yield
    finally:
        _seq.reset(token)


def command_seq() -> int | None:
    """The pair's sequence number of the command being run (None outside the matcher)."""
    return _seq.get()


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """A new order, checked at the door (account, verification level, clientOrderId, pair) and not stored yet."""

    kind: ClassVar[str] = "place"
    symbol: str
    at: datetime
    actor: Actor
    user_id: int
    account: str
    side: str
    order_type: str
    time_in_force: str
    client_order_id: str
    fingerprint: str
    dedupe_key: str | None = None
    amount: Decimal | None = None
    quote_amount: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    expire_at: datetime | None = None
    client_created_at: datetime | None = None
    comment: str = ""
    id: str = field(default_factory=new_id)


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel one open order of `user_id`; `by` is the staff member's e-mail when the admin cancels."""

    kind: ClassVar[str] = "cancel"
    symbol: str
    at: datetime
    actor: Actor
    user_id: int
    order_id: int
    cancel_request_id: str | None = None
    by: str = ""
    id: str = field(default_factory=new_id)


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every open order of `user_id` on the pair (on `account_ids` only, when given)."""

    kind: ClassVar[str] = "cancel_all"
    symbol: str
    at: datetime
    actor: Actor
    user_id: int
    account_ids: tuple[int, ...] | None = None
    id: str = field(default_factory=new_id)


@dataclass(frozen=True, slots=True)
class ExpireDue:
    """Expire the pair's open GTD orders whose time has come by `at`."""

    kind: ClassVar[str] = "expire"
    symbol: str
    at: datetime
    actor: Actor = field(default_factory=Actor.system)
    id: str = field(default_factory=new_id)


@dataclass(frozen=True, slots=True)
class TriggerStops:
    """Trigger the pair's stop orders that the last trade price has reached."""

    kind: ClassVar[str] = "trigger"
    symbol: str
    at: datetime
    actor: Actor = field(default_factory=Actor.system)
    id: str = field(default_factory=new_id)


Command = PlaceOrder | CancelOrder | CancelAll | ExpireDue | TriggerStops
KINDS: dict[str, type[Command]] = {
    cls.kind: cls for cls in (PlaceOrder, CancelOrder, CancelAll, ExpireDue, TriggerStops)
}


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command did, released to its door only after the batch that ran it committed.

    `order_ids`: the order placed, cancelled or expired (several for cancel all / expiry); `trade_ids`: the
    trades a placement made; `replayed`: a placement answered with the earlier order of its clientOrderId;
    `count`: orders expired or stops triggered. `error` is a domain error as (class path, message, details),
    raised again at the door; `unavailable`: the command could not run (the door answers 503); `failed`: it
    met a bug and was rolled back (the door answers 500; the matcher's log has the traceback)."""

    command_id: str
    order_ids: tuple[int, ...] = ()
    trade_ids: tuple[int, ...] = ()
    replayed: bool = False
    count: int = 0
    error: tuple[str, str, dict[str, Any]] | None = None
    unavailable: bool = False
    failed: bool = False

    @classmethod
    def refused(cls, command_id: str, exc: DomainError) -> "Reply":
        path = f"{type(exc).__module__}.{type(exc).__qualname__}"
        return cls(command_id, error=(path, exc.message, _plain(exc.details)))

    def raise_error(self) -> None:
        """Raise the domain error this reply carries, if any (only `DomainError` classes are revived)."""
        if self.error is None:
            return
        path, message, details = self.error
        cls = import_string(path)
        if not (isinstance(cls, type) and issubclass(cls, DomainError)):
            raise TypeError(f"not a domain error: {path}")
        exc = cls.__new__(cls)
        DomainError.__init__(exc, message, details=details)
        raise exc


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


# --- the wire form ----------------------------------------------------------------------------------


def to_data(value: Command | Reply) -> dict[str, Any]:
    """Plain JSON data (what the broker carries and `MatcherCommand.reply` stores)."""
    data = {"kind": getattr(value, "kind", "reply")}
    for item in dataclasses.fields(value):
        data[item.name] = _out(getattr(value, item.name))
    return data


def encode(value: Command | Reply) -> str:
    """JSON text for the broker."""
    return json.dumps(to_data(value), separators=(",", ":"))


def decode_command(text: str | bytes) -> Command:
    data = json.loads(text)
    cls = KINDS[data.pop("kind")]
    return cls(**_typed(cls, data))


def reply_from_data(data: dict[str, Any]) -> Reply:
    data = {name: value for name, value in data.items() if name != "kind"}
    return Reply(**_typed(Reply, data))


def decode_reply(text: str | bytes) -> Reply:
    return reply_from_data(json.loads(text))


def _out(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Actor):
        return {"ip": value.ip, "source": value.source, "api_key": value.api_key}
    if isinstance(value, tuple):
        return [_out(item) for item in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _typed(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    return {name: _in(hints[name], value) for name, value in data.items()}


def _in(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(arg for arg in get_args(hint) if arg is not type(None))
    if hint is Decimal:
        return Decimal(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is Actor:
        return Actor(**value)
    if get_origin(hint) is tuple:
        inner = get_args(hint)[0]
        return tuple(_in(inner, item) if inner is not Any else item for item in value)
    return value
