"""Pushes: domain events (`common.events`) become protocol frames sent to channel-layer groups.

`deliver` is the sink the gateway subscribes at start-up (gateway/apps.py). It runs after the change has
committed, in the process that made it (a WebSocket worker, a WSGI worker, the market maker, a Celery worker),
formats each event once, and sends it to a group; every consumer holding a socket in that group, in any
process, writes it out (channels-redis in production, the in-memory layer in the embedded mode).

Groups (names are what channels allows: ASCII letters, digits, `-_.`):
  * `book.<PAIR>`   `order_book_increment` (carries `seq`, so consumers can order and drop stale ones)
  * `trades.<PAIR>` `tradeUpdate`
    (these two are joined once per process by its `Relay`, which hands each frame to the local subscribers)
  * `user.<id>`     `executionReport`, `account_update`, `orderCancelReject` of that user, every key
  * `apikey.<id>`   a close: the key was deactivated, edited or deleted

Sending: the frames of one process go out in the order they were emitted, through one queue drained by one
task on one event loop: the ASGI server's loop once it started (`attach`), else (a process without sockets,
only with a shared layer) a background thread's loop. With the in-memory layer and no server loop in the
process nobody can be listening, and nothing is sent.
"""

import asyncio
import logging
import threading
import time
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from apikeys.events import KeyChanged
from conditions.selectors import currency_get
from gateway import envelope
from gateway.actions.market_data import book_levels, trade_row
from gateway.actions.orders import fill_fields, order_row
from gateway.wire import iso_ms, padded
from ledger.events import BalanceEvent
from ledger.models import Account
from trading import events as trading_events
from trading.models import OrderStatus

logger = logging.getLogger(__name__)

QUEUE_MAX = 100_000
# Sockets served per event-loop turn when the relay fans a frame out (see Relay).
FANOUT_CHUNK = 50


def book_group(symbol: str) -> str:
    return f"book.{symbol}"


def trades_group(symbol: str) -> str:
    return f"trades.{symbol}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def key_group(public_id: str) -> str:
    return f"apikey.{public_id}"


def frame(event: str, data: Any) -> str:
    """A push frame's text: `{"e": <event>, "ok": "ok", "data": ...}`."""
    return envelope.dumps({"e": event, "ok": "ok", "data": data})


# --- formatting -------------------------------------------------------------------------------------


def execution_report(event: trading_events.OrderEvent) -> dict[str, Any]:
    """`executionReport` for one state change of an order (cexio-ws-protocol.md §5.3)."""
    order = event.order
    data: dict[str, Any] = {"messageType": "executionReport", **order_row(order)}
    kind = event.execution_type
    data["executionType"] = kind
    data["transactTime"] = None
    if kind == trading_events.TRADE and event.trade is not None:
        data.update(fill_fields(event.trade, order.pair))
        data["transactTime"] = iso_ms(event.trade.created_at)
        data["executionId"] = f"{order.pk}_t{event.trade.pk}"
    elif kind == trading_events.REJECTED:
        data["orderRejectReason"] = envelope.dumps(
            {"code": order.reject_code, "reason": order.reject_reason}
        )
        data["executionId"] = f"{order.pk}_r"
    else:
        data["executionId"] = f"{order.pk}_{kind[0].lower()}{kind[-1].lower()}"
    if kind in (trading_events.PENDING_CANCEL, trading_events.CANCELED):
        if event.cancel_request_id is not None:
            data["OrigClOrdID"] = order.client_order_id
            data["clientOrderId"] = event.cancel_request_id
        elif event.reason == "cancel_all":
            data["OrigClOrdID"] = order.client_order_id
            data["clientOrderId"] = f"CANCEL_{data['clientId']}_{order.pk}"
    return data


def account_update(event: BalanceEvent) -> tuple[int, dict[str, Any]] | None:
    """The owner and the `account_update` of one changed balance; None for system accounts."""
    balance = event.balance
    owner = _owner(balance.account_id)
    if owner is None:
        return None
    user_id, public_id, name = owner
    places = _places(balance.currency_id)
    return user_id, {
        "clientId": public_id,
        "accountId": name,
        "currency": balance.currency_id,
        "balance": padded(balance.total - balance.on_hold, places),
        "onHoldBalance": padded(balance.on_hold, places),
        "timestamp": int(time.time() * 1000),
        "action": event.action,
        "id": event.cause_id,
    }


# Read on every balance push, after the commit, in the thread that committed (the matcher's writer, for fills):
# kept per process. An account's owner and name never change; a currency's precision rarely does, so it is
# read again after a minute.
PLACES_TTL_S = 60.0
_owners: dict[int, tuple[int, str, str] | None] = {}
_currency_places: dict[str, tuple[int, float]] = {}


def _owner(account_id: int) -> tuple[int, str, str] | None:
    """(user id, public id, account name) of a spot account; None for a system account."""
    if account_id not in _owners:
        if len(_owners) > 100_000:
            _owners.clear()
        account = Account.objects.select_related("user").filter(pk=account_id).first()
        _owners[account_id] = (
            None
            if account is None or account.user is None
            else (account.user.pk, account.user.public_id, account.name)
        )
    return _owners[account_id]


def forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    """`post_save`/`post_delete` receiver for accounts and currencies: drop what is kept of them."""
    if isinstance(instance, Account):
        _owners.pop(instance.pk, None)
    else:
        _currency_places.pop(instance.pk, None)


def _places(code: str) -> int:
    found = _currency_places.get(code)
    now = time.monotonic()
    if found is None or found[1] < now:
        found = (currency_get(code=code).precision, now + PLACES_TTL_S)
        _currency_places[code] = found
    return found[0]


def cancel_reject(
    *, client_id: str, order: Any, cancel_request_id: str, client_order_id: str | None
) -> dict[str, Any]:
    """`orderCancelReject` for a cancel that could not be done (§5.4): `order` None when not found."""
    return {
        "messageType": "orderCancelReject",
        "clientId": client_id,
        "orderId": "NONE" if order is None else str(order.pk),
        "clientOrderId": client_order_id
        if client_order_id or order is None
        else order.client_order_id,
        "cancelRequestId": cancel_request_id,
        "accountId": None if order is None else (order.account.name or None),
        "orderStatus": OrderStatus.REJECTED if order is None else order.status,
        "responseTo": "order_cancel_request",
        "cancelRejectReason": "unknown_order" if order is None else "too_late_to_cancel",
    }


# --- the sink ---------------------------------------------------------------------------------------


def deliver(event: Any) -> None:
    """The `common.events` sink: format the event and send it to its group."""
    if isinstance(event, trading_events.BookEvent):
        pair = event.pair
        data = {
            "seqId": event.seq,
            "pair": pair.symbol,
            "bids": book_levels(event.bids, pair),
            "asks": book_levels(event.asks, pair),
        }
        message = {
            "type": "push.book",
            "group": book_group(pair.symbol),
            "pair": pair.symbol,
            "seq": event.seq,
            "text": frame("order_book_increment", data),
        }
        send(book_group(pair.symbol), message)
    elif isinstance(event, trading_events.TradeEvent):
        data = {"pair": event.pair.symbol, **trade_row(event.trade, event.pair)}
        group = trades_group(event.pair.symbol)
        send(group, {**push_frame(frame("tradeUpdate", data)), "group": group})
    elif isinstance(event, trading_events.OrderEvent):
        text = frame("executionReport", execution_report(event))
        send(user_group(event.order.user_id), push_frame(text))
    elif isinstance(event, BalanceEvent):
        balance = event.balance
        balance._event_pending = False  # type: ignore[attr-defined]
        found = account_update(event)
        if found is not None:
            send(user_group(found[0]), push_frame(frame("account_update", found[1])))
    elif isinstance(event, KeyChanged):
        send(key_group(event.public_id), {"type": "push.close"})


def push_frame(text: str) -> dict[str, Any]:
    return {"type": "push.frame", "text": text}


# --- sending ----------------------------------------------------------------------------------------


class _Sender:
    """One queue and one draining task on one loop, so this process's frames leave in emission order."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self.lock = threading.Lock()
        self.owned_thread: threading.Thread | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Send from `loop` (the ASGI server's). Call from that loop."""
        with self.lock:
            if self.loop is loop:
                return
            self.loop = loop
            self.queue = asyncio.Queue(QUEUE_MAX)
            loop.create_task(self._drain(self.queue))

    def _start_thread(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self.loop = loop
            self.queue = asyncio.Queue(QUEUE_MAX)
            loop.create_task(self._drain(self.queue))
            ready.set()
            loop.run_forever()

        self.owned_thread = threading.Thread(target=run, name="push-sender", daemon=True)
        self.owned_thread.start()
        ready.wait()

    async def _drain(self, queue: "asyncio.Queue[tuple[str, dict[str, Any]]]") -> None:
        layer = get_channel_layer()
        while True:
            group, message = await queue.get()
            try:
                await layer.group_send(group, message)
            except Exception:
                logger.exception("push: could not send to %s", group)

    def send(self, group: str, message: dict[str, Any]) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            if isinstance(get_channel_layer(), InMemoryChannelLayer):
                return  # no socket can live in this process yet, and no other process can hear us
            with self.lock:
                if self.loop is None or self.loop.is_closed():
                    self._start_thread()
            loop = self.loop
        assert loop is not None
        loop.call_soon_threadsafe(self._put, group, message)

    def _put(self, group: str, message: dict[str, Any]) -> None:
        assert self.queue is not None
        try:
            self.queue.put_nowait((group, message))
        except asyncio.QueueFull:
            # Best effort, as the protocol says: a book subscriber sees the gap and resubscribes.
            logger.warning("push: queue full, dropping a frame for %s", group)


_sender = _Sender()


def attach(loop: asyncio.AbstractEventLoop) -> None:
    _sender.attach(loop)


def send(group: str, message: dict[str, Any]) -> None:
    _sender.send(group, message)


# --- market data fan-out in the process ---------------------------------------------------------------


class Relay:
    """Book and trade streams, fanned out inside the process.

    Hundreds of sockets follow one book: through the channel layer each would get its own copy (a Redis entry
    or a queue put, a receive and a dispatch per socket: bench/ws.py measured seconds of latency for 500
    sockets on a loaded machine). Instead the process joins each market-data group once, on one channel of
    its own, and hands every frame to its local subscribers. Pushes still travel between processes only
    through the channel layer.

    The fan-out builds the `websocket.send` message once and gives it to each socket (`relayed`), which writes
    it straight to the server (no channels dispatch, no middleware). It lets the loop turn every
    `FANOUT_CHUNK` sockets: uvloop sends a turn's writes only when the turn ends, so without it the first
    socket's frame would wait for the last one's to be prepared (bench/ws.py: 500 sockets, about 8 ms), and
    other sockets' requests would wait for the whole fan-out. One task serves the frames in arrival order, so
    each socket still gets them in order. A socket that cannot take a frame within `GATEWAY_WS_SLOW_SEND_S`
    (its reader does not keep up and its buffers are full) is dropped and closed (`too_slow`), so it holds up
    the others once, for that long, and never again.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.channel: str | None = None
        self.subscribers: dict[str, set[Any]] = {}
        self.ready = asyncio.Lock()

    async def join(self, group: str, consumer: Any) -> None:
        layer = get_channel_layer()
        async with self.ready:
            if self.channel is None:
                self.channel = await layer.new_channel("relay.")
                self.loop.create_task(self._pump(self.channel))
            if group not in self.subscribers:
                self.subscribers[group] = set()
                await layer.group_add(group, self.channel)
        self.subscribers[group].add(consumer)

    async def leave(self, group: str, consumer: Any) -> None:
        members = self.subscribers.get(group)
        if members is None:
            return
        members.discard(consumer)
        if not members and self.channel is not None:
            del self.subscribers[group]
            await get_channel_layer().group_discard(group, self.channel)

    async def _pump(self, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            message = await layer.receive(channel)
            consumers = list(self.subscribers.get(message.get("group", ""), ()))
            out = {"type": "websocket.send", "text": message["text"]}
            slow = settings.GATEWAY_WS_SLOW_SEND_S
            for index, consumer in enumerate(consumers, 1):
                try:
                    # A paused socket (its reader does not keep up) makes the send wait for room: bounded, so
                    # one such reader holds up the fan-out once, then it is dropped.
                    async with asyncio.timeout(slow):
                        await consumer.relayed(message, out)
                except TimeoutError:
                    consumer.too_slow()
                except Exception:
                    logger.exception("push: a socket failed to take a relayed frame")
                if index % FANOUT_CHUNK == 0:
                    await asyncio.sleep(0)


_relays: dict[asyncio.AbstractEventLoop, Relay] = {}


def relay() -> Relay:
    """This event loop's relay (one per server loop)."""
    loop = asyncio.get_running_loop()
    found = _relays.get(loop)
    if found is None:
        for stale in [other for other in _relays if other.is_closed()]:
            del _relays[stale]
        found = _relays[loop] = Relay(loop)
    return found
