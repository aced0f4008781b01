"""End to end: the WebSocket API (cexio-ws-protocol.md) on a live ASGI server, driven frame by frame by the
`websockets` client, signing `auth` as the official Node client does. Orders of other users are placed over
REST (the ccxt `cex` client) or through the services, as the REST tests do."""

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from accounts.services import user_create
from activities.actor import Actor
from activities.models import Activity, ActivityType, Outcome, Source
from apikeys.services import api_key_deactivate
from apikeys.tests.factories import issue_key
from ledger.services import wallet_credit
from tests.e2e.asgi_server import LiveAsgi
from trading.services import order_place
from trading.tests.helpers import fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAIR = "BTC-USDT"
WAIT = 10  # seconds a frame may take before the test gives up (a hang, not a timing assertion)


def _trader(email: str) -> tuple[Any, str, str]:
    user = user_create(email=email, password="trader-password-1", verification_level="verified")
    fund(user, "bot", USDT="100000", BTC="5")
    key, secret = issue_key(user=user)
    return user, key.public_id, secret


class Socket:
    """One socket and the frames it received, in order."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.seq = 0

    def send(self, payload: Any) -> None:
        self.conn.send(payload if isinstance(payload, str) else json.dumps(payload))

    def recv(self) -> dict[str, Any]:
        return json.loads(self.conn.recv(timeout=WAIT))

    def call(self, e: str, data: Any = None) -> dict[str, Any]:
        """Send a request and return its reply; pushes that come first are kept in `pushes`."""
        self.seq += 1
        oid = f"{int(time.time() * 1000)}{self.seq}_{e}"
        self.send({"e": e, "data": data or {}, "oid": oid})
        while True:
            frame = self.recv()
            if frame.get("oid") == oid:
                assert frame["e"] == e
                return frame
            self.pushes.append(frame)

    pushes: list[dict[str, Any]]

    def wait_pushes(self, count: int) -> None:
        while len(self.pushes) < count:
            self.pushes.append(self.recv())

    def closed_after(self) -> list[dict[str, Any]]:
        """Every frame until the server closes the socket (which it must)."""
        frames = []
        try:
            while True:
                frames.append(self.recv())
        except ConnectionClosed:
            return frames


def _open(live: LiveAsgi, path: str) -> Socket:
    sock = Socket(connect(f"{live.ws}/{path}", open_timeout=WAIT, proxy=None))
    sock.pushes = []
    assert sock.recv() == {"e": "connected"}
    return sock


def _auth_frame(key: str, secret: str, timestamp: Any = None) -> dict[str, Any]:
    stamp = time.time() if timestamp is None else timestamp
    text = json.dumps(round(stamp, 3)) if isinstance(stamp, float) else str(stamp)
    signature = hmac.new(secret.encode(), (text + key).encode(), hashlib.sha256).hexdigest()
    raw = f'{{"e":"auth","auth":{{"key":"{key}","signature":"{signature}","timestamp":{text}}},"oid":"auth"}}'
    return (
        json.loads(raw) if False else raw
    )  # sent verbatim: the timestamp token is what was signed


def _place_bid(user: Any, **extra: Any) -> None:
    """A resting bid, 0.01 BTC at 1000 on the `bot` account, through the service (not a door)."""
    order_place(
        user=user,
        account="bot",
        pair=PAIR,
        side="BUY",
        order_type="Limit",
        amount=Decimal("0.01"),
        price=Decimal("1000"),
        actor=Actor.system(),
        **extra,
    )


def _private(live: LiveAsgi, key: str, secret: str) -> Socket:
    sock = _open(live, "ws")
    sock.send(_auth_frame(key, secret))
    assert sock.recv() == {"e": "auth", "oid": "auth", "ok": "ok", "data": {"ok": "ok"}}
    return sock


def _rest(live: LiveAsgi, key: str, secret: str) -> ccxt.cex:
    client = ccxt.cex({"apiKey": key, "secret": secret, "enableRateLimit": False, "timeout": 20000})
    client.urls["api"] = {
        "public": f"{live.http}/api/spot/rest-public",
        "private": f"{live.http}/api/spot/rest",
    }
    client.session.trust_env = False
    return client


# --- envelope and socket rules ----------------------------------------------------------------------


def test_public_socket_answers_requests_echoing_e_and_oid_and_pongs(server):
    sock = _open(server, "ws-public")
    sock.send('{"e": "ping"}')
    assert sock.recv() == {"e": "pong"}
    reply = sock.call("get_server_time")
    assert reply["ok"] == "ok"
    assert set(reply["data"]) == {"timestamp", "ISODate"}
    ticker = sock.call("get_ticker", {"pairs": [PAIR]})
    assert PAIR in ticker["data"]
    book = sock.call("get_order_book", {"pair": PAIR})
    assert book["data"]["currency1"] == "BTC"
    bad = sock.call("get_order_book", {"pair": "NOPE-USD"})
    assert "ok" not in bad
    assert bad["data"]["error"]
    assert sock.call("get_pairs_info")["ok"] == "ok"  # the socket stays open after an error reply


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (
            '{"e":"do_something_else","oid":"1_x","data":{}}',
            "Unsupported message type do_something_else",
        ),
        ("this is not json", None),
        ('{"e":"get_ticker","data":{}}', None),  # no oid
        ('["e","get_ticker"]', None),
    ],
)
def test_unknown_type_bad_json_or_missing_oid_close_the_socket(server, frame, error):
    sock = _open(server, "ws-public")
    sock.send(frame)
    frames = sock.closed_after()
    if error is None:
        assert frames == [{"e": "disconnected"}]
    else:
        assert frames == [
            {"e": "do_something_else", "oid": "1_x", "data": {"error": error}},
            {"e": "disconnected"},
        ]
    assert sock.conn.close_code == 1000


def test_private_methods_before_auth_are_not_authorized(server):
    sock = _open(server, "ws")
    reply = sock.call("get_my_wallet_balance")
    assert reply["data"] == {"error": "Not authorized"}


def test_idle_socket_is_closed(server, settings):
    settings.GATEWAY_WS_IDLE_S = 0.5
    sock = _open(server, "ws-public")
    assert sock.closed_after() == [{"e": "disconnected"}]


# --- auth -------------------------------------------------------------------------------------------


def test_auth_with_fractional_timestamp_is_accepted_and_logged(server, user):
    key, secret = issue_key(user=user)
    sock = _private(server, key.public_id, secret)
    balances = sock.call("get_my_wallet_balance")
    assert balances["ok"] == "ok"
    rows = Activity.objects.filter(user=user, action=ActivityType.GATEWAY_CALL)
    assert {row.details["action"] for row in rows} >= {"auth", "get_my_wallet_balance"}


@pytest.mark.parametrize(
    ("case", "error", "reason"),
    [
        ("bad_signature", "Invalid signature", "bad_signature"),
        ("stale", "Timestamp is not in 20sec range", "timestamp_out_of_range"),
        ("inactive", "API key is not activated", "key_inactive"),
        ("ip", "not in this API key's whitelist", "ip_not_whitelisted"),
        ("unknown", "Invalid API key", None),
    ],
)
def test_refused_auth_answers_the_error_then_closes_and_logs_the_refusal(
    server, user, case, error, reason
):
    key, secret = issue_key(
        user=user, active=case != "inactive", ip_whitelist=["10.9.8.7"] if case == "ip" else []
    )
    public_id = "x" * 20 if case == "unknown" else key.public_id
    stamp = time.time() - 60 if case == "stale" else None
    sock = _open(server, "ws")
    sock.send(_auth_frame(public_id, "wrong" if case == "bad_signature" else secret, stamp))
    frames = sock.closed_after()
    assert frames[0]["e"] == "auth"
    assert "ok" not in frames[0]
    assert error in frames[0]["data"]["error"]
    assert frames[1:] == [{"e": "disconnected"}]
    refusals = Activity.objects.filter(user=user, action=ActivityType.GATEWAY_REFUSED)
    if reason is None:
        assert not refusals.exists()
    else:
        assert [(row.details["action"], row.details["reason"]) for row in refusals] == [
            ("auth", reason)
        ]
        assert refusals.get().outcome == Outcome.REFUSED


def test_deactivating_the_key_closes_its_open_socket(server, user):
    key, secret = issue_key(user=user)
    sock = _private(server, key.public_id, secret)
    api_key_deactivate(key=key, actor=Actor.system())
    assert sock.closed_after() == [{"e": "disconnected"}]


# --- public subscriptions ---------------------------------------------------------------------------


def _apply(book: dict[str, dict[str, str]], increment: dict[str, Any]) -> None:
    for side in ("bids", "asks"):
        for price, amount in increment[side]:
            if Decimal(amount) == 0:
                book[side].pop(price, None)
            else:
                book[side][price] = amount


def test_book_increments_from_the_snapshot_end_at_get_order_book(server):
    _, key, secret = _trader("taker@example.com")
    _, other_key, other_secret = _trader("maker@example.com")
    sock = _open(server, "ws-public")
    snapshot = sock.call("order_book_subscribe", {"pair": PAIR})["data"]
    assert snapshot["pair"] == PAIR
    book = {side: dict(snapshot[side]) for side in ("bids", "asks")}

    maker, taker = _rest(server, other_key, other_secret), _rest(server, key, secret)
    resting = maker.create_order("BTC/USDT", "limit", "buy", 0.01, 1000, {"accountId": "bot"})
    maker.create_order("BTC/USDT", "limit", "sell", 0.02, 900000, {"accountId": "bot"})
    taker.create_order("BTC/USDT", "limit", "buy", 0.005, 900000, {"accountId": "bot"})
    maker.cancel_order(resting["id"], "BTC/USDT")

    expected = sock.call("get_order_book", {"pair": PAIR})["data"]
    wanted = {side: dict(expected[side]) for side in ("bids", "asks")}
    # Pushes are not ordered with replies (they cross the channel layer): follow increments until the book is
    # the one get_order_book answered; a missing or wrong increment never gets there and the recv times out.
    increments = [frame for frame in sock.pushes if frame["e"] == "order_book_increment"]
    for frame in increments:
        _apply(book, frame["data"])
    while book != wanted:
        frame = sock.recv()
        assert frame["e"] == "order_book_increment"
        increments.append(frame)
        _apply(book, frame["data"])
    assert [frame["data"]["seqId"] for frame in increments] == list(
        range(snapshot["seqId"] + 1, snapshot["seqId"] + 1 + len(increments))
    )
    assert len(increments) >= 4  # four changes of the book: rest, rest, partial fill, cancel
    assert all(frame["ok"] == "ok" and frame["data"]["pair"] == PAIR for frame in increments)


def test_an_increment_committed_while_the_snapshot_is_read_follows_the_snapshot(
    server, monkeypatch
):
    from trading import events

    user, _, _ = _trader("maker@example.com")
    # Already subscribed: it sees when the relay hands the change out.
    watcher = _open(server, "ws-public")
    watcher.call("order_book_subscribe", {"pair": PAIR})
    read_snapshot = events.book_snapshot

    def snapshot_then_a_change(pair: Any, *, now: Any) -> Any:
        taken = read_snapshot(pair, now=now)
        # A change commits after the snapshot was read and is pushed before the reply is sent.
        _place_bid(user)
        assert watcher.recv()["data"]["seqId"] == taken.seq + 1
        return taken

    monkeypatch.setattr(events, "book_snapshot", snapshot_then_a_change)
    sock = _open(server, "ws-public")
    snapshot = sock.call("order_book_subscribe", {"pair": PAIR})["data"]

    assert sock.pushes == []  # nothing before the snapshot
    increment = sock.recv()
    assert increment["e"] == "order_book_increment"
    assert increment["data"]["seqId"] == snapshot["seqId"] + 1
    assert increment["data"]["bids"] == [["1000.0", "0.01000000"]]


def test_trade_subscribe_sends_history_then_each_trade(server):
    _, key, secret = _trader("taker@example.com")
    _, maker_key, maker_secret = _trader("maker@example.com")
    _rest(server, maker_key, maker_secret).create_order(
        "BTC/USDT", "limit", "sell", 0.01, 1000, {"accountId": "bot"}
    )
    sock = _open(server, "ws-public")
    req = sock.call("trade_subscribe", {"pair": PAIR})["data"]
    assert req["reqId"]
    history = sock.recv()
    assert history["e"] == "tradeHistorySnapshot"
    assert history["data"]["pair"] == PAIR
    _rest(server, key, secret).create_order(
        "BTC/USDT", "market", "buy", 0.006, None, {"accountId": "bot"}
    )
    update = sock.recv()
    assert update["e"] == "tradeUpdate"
    assert update["data"]["pair"] == PAIR
    assert update["data"]["side"] == "BUY"
    assert update["data"]["amount"] == "0.00600000"
    assert sock.call("trade_unsubscribe", {"pair": PAIR})["data"] == {"reqId": req["reqId"]}


# --- private requests and pushes --------------------------------------------------------------------


def test_order_over_the_socket_pushes_account_update_and_execution_reports_to_the_owner_only(
    server,
):
    _, key, secret = _trader("taker@example.com")
    _, other_key, other_secret = _trader("other@example.com")
    sock = _private(server, key, secret)
    second = _private(server, key, secret)  # the same user's other socket gets the pushes too
    other = _private(server, other_key, other_secret)

    reply = sock.call(
        "do_my_new_order",
        {
            "clientOrderId": "ws-1",
            "accountId": "bot",
            "currency1": "BTC",
            "currency2": "USDT",
            "side": "BUY",
            "orderType": "Limit",
            "timeInForce": "GTC",
            "amountCcy1": "0.01",
            "price": "1000",
            "timestamp": int(time.time() * 1000),
        },
    )
    assert reply["ok"] == "ok"
    assert reply["data"]["status"] == "NEW"
    order_id = reply["data"]["orderId"]
    cancel = sock.call(
        "do_cancel_my_order",
        {"orderId": int(order_id), "cancelRequestId": "cx-1", "timestamp": int(time.time() * 1000)},
    )
    assert cancel["data"] == {}
    sock.wait_pushes(5)  # pushes follow replies; they may also overtake a later reply

    kinds = [(f["e"], f["data"].get("executionType")) for f in sock.pushes]
    assert kinds == [
        ("account_update", None),
        ("executionReport", "New"),
        ("executionReport", "PendingCancel"),
        ("account_update", None),
        ("executionReport", "Canceled"),
    ]
    hold, release = sock.pushes[0]["data"], sock.pushes[3]["data"]
    assert (hold["currency"], hold["accountId"], hold["action"], hold["id"]) == (
        "USDT",
        "bot",
        "order",
        order_id,
    )
    assert Decimal(hold["onHoldBalance"]) >= Decimal("10")  # the order's value and its fee reserve
    assert Decimal(hold["balance"]) + Decimal(hold["onHoldBalance"]) == Decimal("100000")
    assert Decimal(release["onHoldBalance"]) == 0
    new, pending, cancelled = sock.pushes[1]["data"], sock.pushes[2]["data"], sock.pushes[4]["data"]
    assert (new["orderId"], new["clientOrderId"], new["status"]) == (order_id, "ws-1", "NEW")
    assert (pending["clientOrderId"], pending["OrigClOrdID"]) == ("cx-1", "ws-1")
    assert cancelled["status"] == "CANCELLED"
    assert {"feeAmount", "feeCurrency", "executionId", "executedAmountCcy1"} <= set(new)

    second_frames = [second.recv() for _ in range(5)]
    assert [f["e"] for f in second_frames] == [f["e"] for f in sock.pushes]
    # Another user's socket: the next frame it gets is its own reply, sent after all of the above was pushed.
    assert other.call("get_server_time")["ok"] == "ok"
    assert other.pushes == []


def test_a_fill_pushes_trade_reports_with_last_amounts_to_maker_and_taker(server):
    _, key, secret = _trader("taker@example.com")
    _, maker_key, maker_secret = _trader("maker@example.com")
    maker_sock = _private(server, maker_key, maker_secret)
    sock = _private(server, key, secret)
    rest = maker_sock.call(
        "do_my_new_order",
        {
            "clientOrderId": "m-1",
            "accountId": "bot",
            "currency1": "BTC",
            "currency2": "USDT",
            "side": "SELL",
            "orderType": "Limit",
            "timeInForce": "GTC",
            "amountCcy1": "0.02",
            "price": "1000",
            "timestamp": int(time.time() * 1000),
        },
    )
    assert rest["data"]["status"] == "NEW"
    taken = sock.call(
        "do_my_new_order",
        {
            "clientOrderId": "t-1",
            "accountId": "bot",
            "currency1": "BTC",
            "currency2": "USDT",
            "side": "BUY",
            "orderType": "Limit",
            "timeInForce": "GTC",
            "amountCcy1": "0.01",
            "price": "1000",
            "timestamp": int(time.time() * 1000),
        },
    )
    assert taken["data"]["status"] == "FILLED"
    # One account_update per changed balance per transaction (the hold and the fill's USDT coalesce).
    sock.wait_pushes(4)  # USDT, New, BTC, Trade
    maker_sock.wait_pushes(5)  # BTC hold, New; then BTC, USDT, Trade
    taker_reports = [f["data"] for f in sock.pushes if f["e"] == "executionReport"]
    assert [(r["executionType"], r["status"]) for r in taker_reports] == [
        ("New", "NEW"),
        ("Trade", "FILLED"),
    ]
    fill = taker_reports[1]
    assert (fill["lastAmountCcy1"], fill["lastAmountCcy2"], fill["lastPrice"]) == (
        "0.01000000",
        "10.00000000",
        "1000.0",
    )
    assert fill["feeCurrency"]
    maker_trades = [
        f["data"]
        for f in maker_sock.pushes
        if f["e"] == "executionReport" and f["data"]["executionType"] == "Trade"
    ]
    assert [(r["status"], r["lastAmountCcy1"]) for r in maker_trades] == [
        ("PARTIALLY_FILLED", "0.01000000")
    ]
    currencies = {f["data"]["currency"] for f in sock.pushes if f["e"] == "account_update"}
    assert currencies == {"USDT", "BTC"}


def test_cancel_of_an_unknown_order_replies_empty_and_pushes_order_cancel_reject(server):
    _, key, secret = _trader("taker@example.com")
    sock = _private(server, key, secret)
    reply = sock.call(
        "do_cancel_my_order",
        {
            "clientOrderId": "no-such-order",
            "cancelRequestId": "cx-2",
            "timestamp": int(time.time() * 1000),
        },
    )
    assert reply == {"e": "do_cancel_my_order", "oid": reply["oid"], "ok": "ok", "data": {}}
    push = sock.recv()
    assert push["e"] == "orderCancelReject"
    assert push["data"] == {
        "messageType": "orderCancelReject",
        "clientId": push["data"]["clientId"],
        "orderId": "NONE",
        "clientOrderId": "no-such-order",
        "cancelRequestId": "cx-2",
        "accountId": None,
        "orderStatus": "REJECTED",
        "responseTo": "order_cancel_request",
        "cancelRejectReason": "unknown_order",
    }


def test_rate_limit_is_pooled_with_rest_and_closes_the_socket(server, settings):
    settings.GATEWAY_RATE_LIMIT_PRIVATE = 12
    _, key, secret = _trader("taker@example.com")
    _rest(server, key, secret).fetch_balance()  # 5 points over REST (get_my_account_status_v3)
    sock = _private(server, key, secret)
    assert sock.call("get_my_wallet_balance")["ok"] == "ok"  # 5 more: 10
    refused = sock.call("get_my_wallet_balance")  # 15 > 12
    assert refused["data"] == {"error": "API rate limit reached"}
    assert sock.closed_after() == [{"e": "disconnected"}]


def test_the_frontends_session_gets_its_users_pushes_on_the_private_socket(server, client):
    user, _, _ = _trader("web@example.com")
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    sock = Socket(
        connect(
            f"{server.ws}/ws", open_timeout=WAIT, proxy=None, additional_headers={"Cookie": cookie}
        )
    )
    sock.pushes = []
    assert sock.recv() == {"e": "connected"}
    anonymous = _open(server, "ws")

    _place_bid(user, client_order_id="web-1")
    sock.wait_pushes(2)
    assert [(f["e"], f["data"].get("clientOrderId")) for f in sock.pushes] == [
        ("account_update", None),
        ("executionReport", "web-1"),
    ]
    anonymous.send('{"e": "ping"}')
    assert anonymous.recv() == {
        "e": "pong"
    }  # the first frame after connected: no push of the user's


def test_wallet_transfers_over_the_socket_push_account_updates_for_both_accounts(server):
    user, key, secret = _trader("taker@example.com")
    wallet_credit(
        user=user, currency="USDT", amount=Decimal("500"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    sock = _private(server, key, secret)
    deposit = sock.call(
        "do_deposit_funds_from_wallet",
        {"clientTxId": "dep-1", "accountId": "bot", "currency": "USDT", "amount": "100"},
    )
    assert deposit["ok"] == "ok"
    sock.wait_pushes(2)
    updates = {f["data"]["accountId"]: f["data"] for f in sock.pushes}
    assert set(updates) == {"", "bot"}  # the wallet (main account) and the sub-account
    assert {u["action"] for u in updates.values()} == {"deposit"}
    assert {u["id"] for u in updates.values()} == {str(deposit["data"]["transactionId"])}
    assert Decimal(updates["bot"]["balance"]) == Decimal("100100")
    assert Decimal(updates[""]["balance"]) == Decimal("400")

    sock.pushes.clear()
    withdrawal = sock.call(
        "do_withdrawal_funds_to_wallet",
        {"clientTxId": "wd-1", "accountId": "bot", "currency": "USDT", "amount": "40"},
    )
    assert withdrawal["ok"] == "ok"
    sock.wait_pushes(2)
    assert {f["data"]["action"] for f in sock.pushes} == {"withdraw"}
    assert {f["data"]["accountId"]: Decimal(f["data"]["balance"]) for f in sock.pushes} == {
        "": Decimal("440"),
        "bot": Decimal("100060"),
    }
