"""The per-pair event stream in the broker: what a matcher process committed, for others to read.

Each pair has a Redis stream `trading:events:<SYMBOL>`, written only by the pair's matcher, after each batch
commits, in commit order. Each entry carries `seq` (the pair's event number: +1 per entry, gap-free, continued
from the stream's last entry when a matcher starts), `type` and `data` (JSON, amounts as strings):
- `order`: an order accepted (`New`), filled (`Trade`, with `trade_id`), cancelled or expired (`Canceled`, with
  the `reason`) or rejected (`Rejected`): the protocol's execution types;
- `trade`: a public trade;
- `book`: the levels of the book that changed (amount "0": gone), with the book feed's own `book_seq`;
- `balance`: a balance changed by the pair's command (hold, fill, fee, release).
Read it with XREAD from any id (or a consumer group of your own). A `kill -9` between a batch's commit and its
publication loses that batch's entries from the stream (the database has them); nothing is published that was
not committed, and numbering goes on without a gap.
"""

import json
from decimal import Decimal
from typing import Any

import redis

from common import events
from ledger.events import BalanceEvent
from trading.events import BookEvent, OrderEvent, TradeEvent

MAXLEN = 100_000


def events_key(symbol: str) -> str:
    return f"trading:events:{symbol}"


class EventStream:
    """Collects the events of a batch as they are delivered (a `common.events` sink), then publishes them."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self.pending: list[tuple[str, str, dict[str, Any]]] = []
        self.seq: dict[str, int] = {}

    def collect(self, event: Any) -> None:
        symbol = events.scope()
        shaped = _shape(event)
        if symbol is not None and shaped is not None:
            self.pending.append((symbol, *shaped))

    def publish(self) -> None:
        if not self.pending:
            return
        with self.redis.pipeline(transaction=False) as pipe:
            for symbol, kind, data in self.pending:
                self.seq[symbol] = self._last(symbol) + 1
                fields = {
                    "seq": self.seq[symbol],
                    "type": kind,
                    "data": json.dumps(data, default=_text),
                }
                pipe.xadd(events_key(symbol), fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]
            pipe.execute()
        self.pending.clear()

    def _last(self, symbol: str) -> int:
        if (
            symbol not in self.seq
        ):  # first publication since start: go on from the stream's last entry
            last: Any = self.redis.xrevrange(events_key(symbol), count=1)
            self.seq[symbol] = int(last[0][1][b"seq"]) if last else 0
        return self.seq[symbol]


def _text(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _shape(event: Any) -> tuple[str, dict[str, Any]] | None:
    if isinstance(event, OrderEvent):
        order = event.order
        return "order", {
            "execution_type": event.execution_type,
            "order_id": order.pk,
            "client_order_id": order.client_order_id,
            "user_id": order.user_id,
            "account_id": order.account_id,
            "side": order.side,
            "order_type": order.order_type,
            "status": order.status,
            "price": order.price,
            "amount": order.amount,
            "executed_amount": order.executed_amount,
            "remaining": order.remaining,
            "trade_id": event.trade.pk if event.trade else None,
            "reason": event.reason,
            "at": order.updated_at,
        }
    if isinstance(event, TradeEvent):
        trade = event.trade
        return "trade", {
            "trade_id": trade.pk,
            "price": trade.price,
            "amount": trade.amount,
            "quote_amount": trade.quote_amount,
            "taker_side": trade.taker_side,
            "at": trade.created_at,
        }
    if isinstance(event, BookEvent):
        return "book", {"book_seq": event.seq, "bids": event.bids, "asks": event.asks}
    if isinstance(event, BalanceEvent):
        row = event.balance
        return "balance", {
            "account_id": row.account_id,
            "currency": row.currency_id,
            "total": row.total,
            "on_hold": row.on_hold,
            "action": event.action,
            "cause": event.cause_id,
        }
    return None
