"""What a pair's engine reports. Every event carries `seq`, the pair's sequence number: one more than the event
before it, whatever command produced it, so a gap or a repeat is visible to every consumer.

An event about an order carries that order's state after the event; the last one a command emits for an order
is its state after the command. Funds (see `PairEngine`): an order's reservation is `OrderAccepted.hold` in
`hold_currency`; each `Trade` consumes the buyer's `quote_amount` and the seller's `amount` from their holds,
plus each side's `*_fee_from_hold`; `HoldReleased` gives back the rest when the order leaves the book. So the
hold an order still has is always `hold - consumed - released`, and is zero once it is final.

Fees: `maker_fee`/`taker_fee` is what each side is charged, in the pair's fee currency. The side that pays out
the fee currency (the buyer with fees in quote, the seller with fees in base) pays `*_fee_from_hold` of it from
its hold and the rest from its available funds; the other side pays it out of what the fill gives it.

Events are NamedTuples, not frozen dataclasses: as immutable, and four times cheaper to build (a crossing order
emits about ten), which the core's throughput target needs. Compare them by type and fields, not as tuples.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from trading.core.rules import Side, Status


class Reason(StrEnum):
    """Why an order left the book without filling (the activity rows' `reason`)."""

    REQUESTED = "requested"
    CANCEL_ALL = "cancel_all"
    SELF_TRADE = "self_trade_prevention"
    MARKET = "market"  # a market order's unfilled rest
    IMMEDIATE = "immediate_or_cancel"
    FILL_OR_KILL = "fill_or_kill"
    EXPIRED = "expired"


class OrderAccepted(NamedTuple):
    """The order passed every check and `hold` of `hold_currency` is reserved for it (`hold_currency` None and
    `hold` zero when it reserved nothing: a fill-or-kill that could not fill). `triggered` is False for a stop
    order that now waits off the book."""

    seq: int
    order_id: int
    hold_currency: str | None
    hold: Decimal
    triggered: bool


class OrderRejected(NamedTuple):
    """The order was refused; nothing is reserved. `code` and `reason` as in the protocol (§4.6)."""

    seq: int
    order_id: int
    code: int
    reason: str


class CommandRefused(NamedTuple):
    """A command that changed nothing: a cancel of an order that is not open (or not the user's), a second
    order with an id the book already holds."""

    seq: int
    command_id: str
    order_id: int | None
    reason: str


class StopTriggered(NamedTuple):
    """A waiting stop order met its stop price at `last_price`; it acts as a limit order from here on."""

    seq: int
    order_id: int
    last_price: Decimal


class Trade(NamedTuple):
    """One fill at the maker's price. `amount` in base, `quote_amount` its value in quote."""

    seq: int
    maker_order_id: int
    taker_order_id: int
    maker_user_id: int
    taker_user_id: int
    maker_account_id: int
    taker_account_id: int
    taker_side: Side
    price: Decimal
    amount: Decimal
    quote_amount: Decimal
    maker_fee: Decimal
    taker_fee: Decimal
    maker_fee_from_hold: Decimal
    taker_fee_from_hold: Decimal

    def sides(self) -> tuple["TradeSide", "TradeSide"]:
        """The taker's side, then the maker's: what each order pays from its hold and is charged."""
        taker_buys = self.taker_side == Side.BUY
        taker_pays, maker_pays = (
            (self.quote_amount, self.amount) if taker_buys else (self.amount, self.quote_amount)
        )
        return (
            TradeSide(
                self.taker_order_id,
                self.taker_account_id,
                taker_buys,
                taker_pays + self.taker_fee_from_hold,
                self.taker_fee,
            ),
            TradeSide(
                self.maker_order_id,
                self.maker_account_id,
                not taker_buys,
                maker_pays + self.maker_fee_from_hold,
                self.maker_fee,
            ),
        )


class TradeSide(NamedTuple):
    """One order's part in a trade: `from_hold` is what the trade consumes of its hold (its principal, quote
    for the buyer and base for the seller, plus the part of `fee` paid from the hold)."""

    order_id: int
    account_id: int
    is_buyer: bool
    from_hold: Decimal
    fee: Decimal


class OrderFilled(NamedTuple):
    """The order's execution after its latest fills: `status` FILLED or PARTIALLY_FILLED. A maker gets one
    after each trade, a taker one after its matching pass. `remaining` is the base amount left (zero for a
    market buy by quote amount); `hold_remaining` what it still has reserved."""

    seq: int
    order_id: int
    status: Status
    remaining: Decimal
    executed_amount: Decimal
    executed_quote: Decimal
    fee_amount: Decimal
    hold_remaining: Decimal


class OrderRested(NamedTuple):
    """The order went onto the book with `remaining` at `price`; its time priority is this event's."""

    seq: int
    order_id: int
    side: Side
    price: Decimal
    remaining: Decimal


class OrderCancelled(NamedTuple):
    """The order is final: CANCELLED for `reason` (any hold was released just before)."""

    seq: int
    order_id: int
    reason: Reason


class OrderExpired(NamedTuple):
    """The order is final: EXPIRED, its GTD time having come (any hold was released just before)."""

    seq: int
    order_id: int


class HoldReleased(NamedTuple):
    """`amount` of `currency` reserved for the order goes back to the account's available funds."""

    seq: int
    order_id: int
    account_id: int
    currency: str
    amount: Decimal


class LevelChanged(NamedTuple):
    """The book's total remaining amount at `price` on `side` is now `size` (zero: the level is gone). One per
    level a command touched, after the command's other events."""

    seq: int
    side: Side
    price: Decimal
    size: Decimal


Event = (
    OrderAccepted
    | OrderRejected
    | CommandRefused
    | StopTriggered
    | Trade
    | OrderFilled
    | OrderRested
    | OrderCancelled
    | OrderExpired
    | HoldReleased
    | LevelChanged
)


class Result(NamedTuple):
    """What one command did: its events in order. `stops_pending`: stop orders the last price has reached
    still wait (the cascade cap was hit); send a `TriggerStops`."""

    command_id: str
    at: datetime
    events: tuple[Event, ...]
    stops_pending: bool = False
