"""The pure trading core: one pair's order book and matching rules. Commands in, events out.

No Django, no I/O, no clock, no imports from the rest of the project: the matcher process feeds it commands
in the pair's one sequence and persists the events it returns (see trading/README.md).

    engine = PairEngine(spec, funds=funds, seq=last_seq, last_price=last)   # funds: see engine.Funds
    engine.load(open_orders)                                                # rebuild from the database
    result = engine.apply(Place(command_id=..., at=now, order_id=..., ...))
    for event in result.events: ...                                        # seq strictly +1 each

Modules, read top-down: `rules` (vocabulary, pair spec, money arithmetic), `commands`, `events`, `book`
(orders, levels, price-time priority), `engine` (the rules of matching, and its contract).
"""

from trading.core.book import Order, Snapshot
from trading.core.commands import Cancel, CancelAll, Command, ExpireDue, Place, TriggerStops
from trading.core.engine import Funds, PairEngine, UnlimitedFunds
from trading.core.events import (
    CommandRefused,
    Event,
    HoldReleased,
    LevelChanged,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRested,
    Reason,
    Result,
    StopTriggered,
    Trade,
    TradeSide,
)
from trading.core.rules import OrderType, PairSpec, Side, Status, TimeInForce

__all__ = [
    "Cancel",
    "CancelAll",
    "Command",
    "CommandRefused",
    "Event",
    "ExpireDue",
    "Funds",
    "HoldReleased",
    "LevelChanged",
    "Order",
    "OrderAccepted",
    "OrderCancelled",
    "OrderExpired",
    "OrderFilled",
    "OrderRejected",
    "OrderRested",
    "OrderType",
    "PairEngine",
    "PairSpec",
    "Place",
    "Reason",
    "Result",
    "Side",
    "Snapshot",
    "Status",
    "StopTriggered",
    "TimeInForce",
    "Trade",
    "TradeSide",
    "TriggerStops",
    "UnlimitedFunds",
]
