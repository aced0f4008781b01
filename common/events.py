"""Domain events delivered after commit: the one seam between the services that change state and the doors
that push it (the WebSocket gateway today).

A service calls `emit(event)` inside its transaction. The event is handed to every subscribed sink once the
outermost transaction commits (`transaction.on_commit`), in the order it was emitted, and dropped if the
transaction rolls back. Outside a transaction it is delivered at once. Sinks register at start-up
(`subscribe`, from an app's `ready()`), so an app that emits never imports the apps that listen.

Events are plain frozen dataclasses defined by the app that emits them (`trading.events`, `ledger.events`,
`apikeys.events`). A sink must not raise: delivery is best-effort (the protocol says pushes are), and a failing
sink is logged and skipped so that it can never undo or delay the committed change.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Sink = Callable[[Any], None]

_sinks: list[Sink] = []
# What the events emitted now belong to (the trading matcher names the pair whose command runs): captured at
# `emit`, visible to the sinks at delivery through `scope()`.
_scope: ContextVar[str | None] = ContextVar("events_scope", default=None)


def subscribe(sink: Sink) -> None:
    """Deliver every emitted event to `sink` (idempotent: a sink registered twice runs once)."""
    if sink not in _sinks:
        _sinks.append(sink)


def deliver(event: Any) -> None:
    """Hand `event` to every sink now (the after-commit half of `emit`)."""
    for sink in _sinks:
        try:
            sink(event)
        except Exception:
            logger.exception("events: sink %r failed on %s", sink, type(event).__name__)


def emit(event: Any) -> None:
    """Deliver `event` to the sinks after the current transaction commits (at once outside one)."""
    if _sinks:
        owner = _scope.get()
        transaction.on_commit(lambda: _deliver_in(owner, event))


def _deliver_in(owner: str | None, event: Any) -> None:
    token = _scope.set(owner)
    try:
        deliver(event)
    finally:
        _scope.reset(token)


@contextmanager
def scoped(owner: str) -> Iterator[None]:
    """Events emitted inside belong to `owner` (a sink reads it with `scope()` when they are delivered)."""
    token = _scope.set(owner)
    try:
        yield
    finally:
        _scope.reset(token)


def scope() -> str | None:
    """Whom the event being delivered belongs to (see `scoped`), or None."""
    return _scope.get()
