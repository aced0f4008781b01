"""The WebSocket door: `/api/spot/ws-public` and `/api/spot/ws` (cexio-ws-protocol.md).

One consumer per socket, on raw text frames (numbers are parsed as REST parses them: `gateway.params`). Frames
are served one at a time, in order; pushes wait behind the request being served.

    open:        accept -> a place under the client IP's cap (gateway/sockets.py; past it: an error frame
                 `{"e":"error","data":{"error":...}}`, disconnected, close) -> {"e":"connected"}; on the private
                 socket a logged-in session (the frontend's cookie, gateway/routing.py) also gets that user's
                 pushes
    ping:        {"e":"pong"} (free; `oid` echoed when sent)
    auth:        (private socket) key known -> active -> 20 s window -> hex signature -> IP whitelist -> a
                 place under the key's cap; one activity row per outcome; failure -> error reply,
                 disconnected, close
    a request:   `oid` required; `data` an object. Actions of the REST registry run through
                 `gateway/pipeline.py` (the REST door's permission, rate limit pooled per key, parameters,
                 handler, activity row); the subscriptions are served here.
    close:       unknown `e` (error reply first), bad JSON, no `oid`, rate limit (error reply first), idle for
                 `GATEWAY_WS_IDLE_S`, key changed -> {"e":"disconnected"}, close 1000; a frame larger than
                 `GATEWAY_WS_MAX_FRAME_BYTES` -> close 1009. The socket's places under the caps are given
                 back before its close frame leaves, and on every other way it ends (`__call__`).

Pushes arrive as channel-layer messages (gateway/push.py): `push.frame` (written as is) and `push.close` on the
socket's own channel; market data from the process's relay (`relayed`): `push.frame`, and `push.book` ordered by
`seq` per pair (an increment at or below the subscription's snapshot is dropped, one ahead of a missing one waits
up to `GATEWAY_WS_GAP_WAIT_S` for it).
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any, cast

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import HttpRequest

from activities.models import Outcome
from apikeys.selectors import AuthKey, api_key_get_for_auth
from common.client_ip import client_ip
from common.errors import DomainError
from conditions.models import Pair
from conditions.selectors import pair_get
from gateway import audit, envelope, permissions, pipeline, push, signing, sockets, throttling
from gateway.actions.market_data import book_levels, trade_row
from gateway.authentication import note_use
from gateway.errors import GatewayError, RateLimitedError, TooManySocketsError
from gateway.params import parse_body
from gateway.registry import get_action
from trading import events as trading_events
from trading import selectors as trading_selectors
from trading.selectors import order_get

CONNECTED = '{"e":"connected"}'
DISCONNECTED = '{"e":"disconnected"}'
NOT_AUTHORIZED = "Not authorized"
TRADE_SNAPSHOT_SIZE = 200

# Served on both sockets besides the registry's actions: cost 1, as the reference's table says.
SUBSCRIPTIONS = (
    "order_book_subscribe",
    "order_book_unsubscribe",
    "trade_subscribe",
    "trade_unsubscribe",
)
CANCEL_REJECTED = ("order_not_found", "order_final")

logger = logging.getLogger(__name__)


class _Close(Exception):
    """Stop serving this socket: send `disconnected` and close."""


@dataclass
class _BookStream:
    next_seq: int = 0
    ready: bool = (
        False  # False while the snapshot is read: increments wait, the reply goes out first
    )
    waiting: dict[int, str] = field(default_factory=dict)
    gap_timer: asyncio.TimerHandle | None = None


def _pair_unsupported(symbol: Any) -> GatewayError:
    return GatewayError(f"Currency pair {symbol} is not supported", status=422, reason="bad_pair")


class GatewayConsumer(AsyncWebsocketConsumer):
    private = False

    # --- lifecycle ----------------------------------------------------------------------------------

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ip: str | None = None
        self.key: AuthKey | None = None
        self.slots: list[sockets.Slot] = []
        self.books: dict[str, _BookStream] = {}
        self.trade_ids: dict[str, str] = {}
        self.groups_held: set[str] = set()
        self.relayed_groups: set[str] = set()
        self.closing = False
        self.idle_task: asyncio.Task[None] | None = None
        self.last_seen = time.monotonic()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Every way a socket ends comes through here: closed by either side, a handler's error, the server
            # shutting down. Nothing it holds may outlive it (a place under a cap kept by a dead socket would
            # lock its client out).
            await self._leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # channels' own dispatch first closes stale database connections: a hop to the one database thread for
        # every frame and every push, queued behind other sockets' queries. Here every database call already
        # goes through `database_sync_to_async`, which does that itself, and pushes touch no database.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        push.attach(asyncio.get_running_loop())
        self.ip = _scope_ip(self.scope)
        await self.accept()
        try:
            await self._claim("ip", self.ip or "unknown", settings.GATEWAY_WS_MAX_SOCKETS_PER_IP)
        except TooManySocketsError as exc:
            # No request to answer yet: an error frame of its own (clients log an unknown `e`; the official
            # one would treat a `connected` as success), then the close every refusal ends with.
            await self._send({"e": "error", "data": {"error": exc.message}})
            await self._close()
            return
        await self.send(text_data=CONNECTED)
        user = self.scope.get("user")
        if self.private and user is not None and user.is_authenticated:
            # The frontend's own socket: its session cookie brings the user's order and balance pushes
            # (requests still need a signed `auth`, as any other client's).
            await self._join(push.user_group(user.pk))
        self.idle_task = asyncio.get_running_loop().create_task(self._idle_watch())

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        # channels' version also hops to the database thread (see `dispatch`); the groups are ours to leave.
        await self._leave()
        raise StopConsumer

    async def _leave(self) -> None:
        """Give back what the socket holds: its places under the caps, its groups and relay subscriptions, its
        timers. Safe to call twice."""
        self.closing = True
        if self.idle_task is not None:
            self.idle_task.cancel()
        for stream in self.books.values():
            if stream.gap_timer is not None:
                stream.gap_timer.cancel()
        await self._release()
        groups, self.groups_held = self.groups_held, set()
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        relayed, self.relayed_groups = self.relayed_groups, set()
        for group in relayed:
            await push.relay().leave(group, self)

    async def _claim(self, scope: str, identity: str, limit: int) -> None:
        slot = await sync_to_async(sockets.claim, thread_sensitive=False)(
            scope=scope, identity=identity, limit=limit, now=time.time()
        )
        if slot is not None:
            self.slots.append(slot)

    async def _release(self) -> None:
        slots, self.slots = self.slots, []
        if slots:
            await sync_to_async(sockets.release, thread_sensitive=False)(slots)

    async def _join(self, group: str) -> None:
        if group not in self.groups_held:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_held.add(group)

    async def _follow(self, group: str) -> None:
        """Market data: through the process's relay (gateway/push.py), not a group membership per socket."""
        if group not in self.relayed_groups:
            await push.relay().join(group, self)
            self.relayed_groups.add(group)

    async def _unfollow(self, group: str) -> None:
        if group in self.relayed_groups:
            self.relayed_groups.discard(group)
            await push.relay().leave(group, self)

    def too_slow(self) -> None:
        """The relay could not hand this socket a frame in time: its reader does not keep up. It gets no more
        frames (so it holds up nobody) and is closed with 1008 in a task of its own (the close frame itself may
        wait for room that never comes, until the server's ping timeout ends the connection)."""
        if self.closing:
            return
        self.closing = True  # from now on `relayed` skips it
        logger.info("ws: closing a socket that does not keep up with its market data")
        asyncio.get_running_loop().create_task(self._close_slow())

    async def _close_slow(self) -> None:
        await self._release()
        await self.close(code=1008)

    async def _close(self, code: int = 1000) -> None:
        if self.closing:
            return
        self.closing = True
        if code == 1000:
            await self.send(text_data=DISCONNECTED)
        # Before the close frame leaves: a client that reconnects as soon as it sees it finds its place free.
        await self._release()
        await self.close(code=code)

    async def _idle_watch(self) -> None:
        idle = settings.GATEWAY_WS_IDLE_S
        while not self.closing:
            left = self.last_seen + idle - time.monotonic()
            if left <= 0:
                await self._close()
                return
            await asyncio.sleep(left)

    # --- frames in ----------------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        raw = text_data.encode() if text_data is not None else bytes_data or b""
        if len(raw) > settings.GATEWAY_WS_MAX_FRAME_BYTES:
            await self._close(code=1009)
            return
        try:
            await self._serve(raw, binary=text_data is None)
        except _Close:
            await self._close()

    async def _serve(self, raw: bytes, *, binary: bool) -> None:
        try:
            message = parse_body(raw) if not binary and raw.strip() else None
        except GatewayError:
            message = None
        if message is None or not isinstance(message.get("e"), str):
            raise _Close
        name, oid = message["e"], message.get("oid")
        self.last_seen = time.monotonic()
        if name == "ping":
            await self._send({"e": "pong", **({"oid": oid} if oid is not None else {})})
            return
        if name == "auth" and self.private:
            await self._auth(message.get("auth"), oid)
            return
        if oid is None:
            raise _Close
        served = name in SUBSCRIPTIONS or get_action(name, public=not self.private) is not None
        if not served:
            await self._error(name, oid, f"Unsupported message type {name}")
            raise _Close
        data = message.get("data")
        if data is None or data == []:
            data = {}
        if not isinstance(data, dict):
            await self._error(name, oid, "Bad Request")
            return
        if self.private and self.key is None:
            await self._error(name, oid, NOT_AUTHORIZED)
            return
        if name in SUBSCRIPTIONS:
            await self._subscription(name, oid, data)
        else:
            await self._action(name, oid, data)

    # --- replies ------------------------------------------------------------------------------------

    async def _send(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=envelope.dumps(payload))

    async def _ok(self, name: str, oid: Any, data: Any) -> None:
        await self._send({"e": name, "oid": oid, "ok": "ok", "data": data})

    async def _error(self, name: str, oid: Any, text: str) -> None:
        payload: dict[str, Any] = {"e": name, "data": {"error": text}}
        if oid is not None:
            payload["oid"] = oid
        await self._send(payload)

    # --- auth ---------------------------------------------------------------------------------------

    async def _auth(self, credentials: Any, oid: Any) -> None:
        ok, text = await database_sync_to_async(self._check_auth)(credentials)
        if not ok:
            await self._error("auth", oid, text)
            raise _Close
        assert self.key is not None
        await self._join(push.user_group(self.key.user_id))
        await self._join(push.key_group(self.key.public_id))
        await self._send({"e": "auth", **_oid(oid), "ok": "ok", "data": {"ok": "ok"}})

    def _check_auth(self, credentials: Any) -> tuple[bool, str]:
        """Check an `auth` frame (cexio-ws-protocol.md §2.2) and write its activity row."""
        now = time.time()
        moment = datetime.fromtimestamp(now, UTC)
        fields = credentials if isinstance(credentials, dict) else {}
        public_id, signature = fields.get("key"), fields.get("signature")
        stamp = fields.get("timestamp")
        if not isinstance(public_id, str) or not public_id:
            return False, "Invalid API key"
        key = api_key_get_for_auth(public_id=public_id)
        if key is None or (self.key is not None and key.id != self.key.id):
            return False, "Invalid API key"
        refusal = _auth_refusal(key, stamp, signature, public_id, self.ip, now)
        if refusal is None and self.key is None:  # a second `auth` keeps the socket's place
            try:
                slot = sockets.claim(
                    scope="key",
                    identity=str(key.id),
                    limit=settings.GATEWAY_WS_MAX_SOCKETS_PER_KEY,
                    now=now,
                )
            except TooManySocketsError as exc:
                refusal = exc
            else:
                if slot is not None:
                    self.slots.append(slot)
        if refusal is not None:
            _audit_auth(key, self.ip, moment, refusal.reason)
            return False, refusal.message
        self.key = key
        note_use(key=key, ip=self.ip, now=moment)
        _audit_auth(key, self.ip, moment, None)
        return True, ""

    # --- actions of the registry ---------------------------------------------------------------------

    async def _action(self, name: str, oid: Any, data: dict[str, Any]) -> None:
        served, reject = await database_sync_to_async(self._run)(name, data)
        if served.failure is None:
            await self._ok(name, oid, served.data)
        elif reject is not None:
            # A cancel that cannot be done: `{}` here, the refusal as a push to every socket of the user.
            await self._ok(name, oid, {})
            assert self.key is not None
            await self.channel_layer.group_send(
                push.user_group(self.key.user_id),
                push.push_frame(push.frame("orderCancelReject", reject)),
            )
        else:
            await self._error(name, oid, served.failure.message)
            if isinstance(served.error, RateLimitedError):
                raise _Close

    def _run(
        self, name: str, data: dict[str, Any]
    ) -> tuple[pipeline.Served, dict[str, Any] | None]:
        now = time.time()
        if self.key is None:
            return pipeline.run_public(
                ip=self.ip, action_name=name, now=now, params=lambda: data
            ), None
        key = api_key_get_for_auth(public_id=self.key.public_id)
        if key is None or not key.is_active:
            # The key changed under the socket and its close is on the way: refuse in the meantime.
            failure = envelope.translate(GatewayError("Invalid API key", status=401))
            return pipeline.Served(failure=failure), None
        self.key = key
        moment = datetime.fromtimestamp(now, UTC)
        served = pipeline.run_private(
            key=key, ip=self.ip, action_name=name, now=now, moment=moment, params=lambda: data
        )
        pipeline.record_private(key=key, action_name=name, served=served, ip=self.ip, moment=moment)
        reject = None
        if (
            name == "do_cancel_my_order"
            and served.failure is not None
            and served.failure.reason in CANCEL_REJECTED
            and served.params is not None
            and served.call is not None
        ):
            reject = self._cancel_reject(served)
        return served, reject

    def _cancel_reject(self, served: pipeline.Served) -> dict[str, Any]:
        assert served.params is not None
        assert served.call is not None
        details = served.error.details if isinstance(served.error, DomainError) else {}
        order_id = (details or {}).get("order_id")
        user = served.call.user
        order = None if order_id is None else order_get(user=user, order_id=order_id)
        if order is not None:
            order = type(order).objects.select_related("account").get(pk=order.pk)
        return push.cancel_reject(
            client_id=user.public_id,
            order=order,
            cancel_request_id=served.params["cancelRequestId"],
            client_order_id=served.params.get("clientOrderId"),
        )

    # --- subscriptions ------------------------------------------------------------------------------

    async def _subscription(self, name: str, oid: Any, data: dict[str, Any]) -> None:
        try:
            pair = await database_sync_to_async(self._charge_and_find)(data.get("pair"))
        except GatewayError as exc:
            await self._error(name, oid, exc.message)
            if isinstance(exc, RateLimitedError):
                raise _Close from None
            return
        symbol = pair.symbol
        if name == "order_book_subscribe":
            previous = self.books.get(symbol)
            if previous is not None and previous.gap_timer is not None:
                previous.gap_timer.cancel()
            # Followed before the snapshot is read, and kept until it is known: an increment committed
            # after the read may reach the relay before the read returns.
            stream = self.books[symbol] = _BookStream()
            await self._follow(push.book_group(symbol))
            snapshot = await database_sync_to_async(trading_events.book_snapshot)(
                pair, now=datetime.now(UTC)
            )
            stream.next_seq, stream.ready = snapshot.seq + 1, True
            for seq in [seq for seq in stream.waiting if seq <= snapshot.seq]:
                del stream.waiting[seq]  # in the snapshot already
            reply = {
                "seqId": snapshot.seq,
                "pair": symbol,
                "bids": book_levels(snapshot.bids, pair),
                "asks": book_levels(snapshot.asks, pair),
            }
            await self._ok(name, oid, reply)
            await self._flush_book(stream)
        elif name == "order_book_unsubscribe":
            dropped = self.books.pop(symbol, None)
            if dropped is not None and dropped.gap_timer is not None:
                dropped.gap_timer.cancel()
            await self._unfollow(push.book_group(symbol))
            await self._ok(name, oid, {"pair": symbol})
        elif name == "trade_subscribe":
            req_id = (
                self.trade_ids.get(symbol) or f"{self.channel_name[-12:]}_{int(time.time() * 1000)}"
            )
            self.trade_ids[symbol] = req_id
            await self._follow(push.trades_group(symbol))
            await self._ok(name, oid, {"reqId": req_id})
            trades = await database_sync_to_async(_recent_trades)(pair)
            await self._send(
                {
                    "e": "tradeHistorySnapshot",
                    "ok": "ok",
                    "data": {"pair": symbol, "trades": trades},
                }
            )
        else:  # trade_unsubscribe
            req_id = self.trade_ids.pop(symbol, "")
            await self._unfollow(push.trades_group(symbol))
            await self._ok(name, oid, {"reqId": req_id})

    def _charge_and_find(self, symbol: Any) -> Pair:
        now = time.time()
        if self.key is not None:
            throttling.consume(
                scope="key",
                identity=str(self.key.id),
                cost=1,
                limit=settings.GATEWAY_RATE_LIMIT_PRIVATE,
                now=now,
            )
        else:
            throttling.consume(
                scope="ip",
                identity=self.ip or "unknown",
                cost=1,
                limit=settings.GATEWAY_RATE_LIMIT_PUBLIC,
                now=now,
            )
        if symbol is None:
            raise GatewayError("Mandatory parameter pair is missing", status=422)
        if not isinstance(symbol, str):
            raise _pair_unsupported(symbol)
        try:
            return pair_get(symbol=symbol)
        except DomainError:
            raise _pair_unsupported(symbol) from None

    # --- pushes (channel-layer messages) -------------------------------------------------------------

    async def push_frame(self, message: dict[str, Any]) -> None:
        if not self.closing:
            # Straight to the server (channels' send adds only wrappers): this runs once per socket per push.
            await self.base_send({"type": "websocket.send", "text": message["text"]})

    async def push_close(self, message: dict[str, Any]) -> None:
        await self._close()

    async def relayed(self, message: dict[str, Any], out: dict[str, Any]) -> None:
        """A market-data frame from the process's relay; `out` is its `websocket.send`, built once for every
        socket (this runs once per socket per frame: the short way first)."""
        if self.closing:
            return
        if message["type"] != "push.book":
            await self.base_send(out)
            return
        stream = self.books.get(message["pair"])
        if stream is None:
            return
        seq = message["seq"]
        if seq == stream.next_seq and not stream.waiting:
            stream.next_seq = seq + 1
            await self.base_send(out)
        elif not stream.ready:
            stream.waiting[seq] = message["text"]  # sorted out once the snapshot is known
        elif seq >= stream.next_seq:
            stream.waiting[seq] = message["text"]
            await self._flush_book(stream)
        # below next_seq: already in the snapshot

    async def _flush_book(self, stream: _BookStream) -> None:
        """Send the waiting increments that are next in line; what still waits is behind a missing one, which
        gets `GATEWAY_WS_GAP_WAIT_S` to come."""
        while stream.next_seq in stream.waiting:
            text = stream.waiting.pop(stream.next_seq)
            stream.next_seq += 1
            await self.base_send({"type": "websocket.send", "text": text})
        if not stream.waiting and stream.gap_timer is not None:
            stream.gap_timer.cancel()
            stream.gap_timer = None
        elif stream.waiting and stream.gap_timer is None:
            stream.gap_timer = asyncio.get_running_loop().call_later(
                settings.GATEWAY_WS_GAP_WAIT_S,
                lambda: asyncio.ensure_future(self._give_up_gap(stream)),
            )

    async def _give_up_gap(self, stream: _BookStream) -> None:
        """A missing increment never came (a dropped message): send what waits; the client sees the gap and
        resubscribes, as the protocol has it."""
        stream.gap_timer = None
        if self.closing or not stream.waiting:
            return
        stream.next_seq = min(stream.waiting)
        await self._flush_book(stream)


class PublicConsumer(GatewayConsumer):
    private = False


class PrivateConsumer(GatewayConsumer):
    private = True


def _oid(oid: Any) -> dict[str, Any]:
    return {} if oid is None else {"oid": oid}


def _timestamp_text(value: Any) -> str | None:
    """The `auth.timestamp` token as the client wrote it, when it is a number (or a numeric string)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return text if number.is_finite() else None


def _auth_refusal(
    key: AuthKey, stamp: Any, signature: Any, public_id: str, ip: str | None, now: float
) -> GatewayError | None:
    """Why a known key's `auth` frame is refused (active -> window -> signature -> whitelist), or None."""
    if not key.is_active:
        return GatewayError("API key is not activated", reason="key_inactive")
    window = settings.GATEWAY_TIMESTAMP_WINDOW_S
    text = _timestamp_text(stamp)
    if text is None or abs(Decimal(text) - Decimal(repr(now))) > window:
        return GatewayError(
            f"Timestamp is not in {window}sec range", reason="timestamp_out_of_range"
        )
    if not isinstance(signature, str) or not signing.socket_verify(
        secret=key.secret, timestamp=text, key=public_id, signature=signature
    ):
        return GatewayError("Invalid signature", reason="bad_signature")
    try:
        permissions.check_ip(key=key, ip=ip)
    except GatewayError as exc:
        return exc
    return None


def _audit_auth(key: AuthKey, ip: str | None, moment: datetime, reason: str | None) -> None:
    audit.record_call(
        key=key,
        user=None,
        action_name="auth",
        action=None,
        params=None,
        ip=ip,
        now=moment,
        outcome=Outcome.OK if reason is None else Outcome.REFUSED,
        reason=reason,
    )


def _recent_trades(pair: Pair) -> list[dict[str, Any]]:
    trades = trading_selectors.trade_list(pair=pair, limit=TRADE_SNAPSHOT_SIZE)
    return [trade_row(trade, pair) for trade in trades]


def _scope_ip(scope: dict[str, Any]) -> str | None:
    """The client IP of the upgrade request, by the REST door's rules (`common.client_ip`)."""
    headers = dict(scope.get("headers") or [])
    client = scope.get("client") or ("", 0)
    meta = {
        "REMOTE_ADDR": client[0] or "",
        "HTTP_X_FORWARDED_FOR": headers.get(b"x-forwarded-for", b"").decode("latin-1"),
    }
    return client_ip(cast(HttpRequest, SimpleNamespace(META=meta)))
