"""End to end, trading: orders and market data through the real server and the unmodified ccxt `cex` client
(which signs with its own code). A counterparty rests orders through the service directly."""

import io
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from accounts.services import user_create
from activities.actor import Actor
from apikeys.tests.factories import issue_key
from trading.services import order_place
from trading.tests.helpers import fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SYMBOL = "BTC/USDT"


@pytest.fixture
def maker(live_server: Any) -> Any:
    from demo import market

    market.seed(io.StringIO())
    maker = user_create(
        email="maker@example.com", password="maker-password-1", verification_level="verified"
    )
    fund(maker, "mm", USDT="1000000", BTC="10")

    def rest(side: str, amount: str, price: str) -> None:
        result = order_place(
            user=maker,
            account="mm",
            pair="BTC-USDT",
            side=side,
            order_type="Limit",
            amount=Decimal(amount),
            price=Decimal(price),
            actor=Actor.system(),
        )
        assert result.order.status == "NEW", result.order.reject_reason

    rest("SELL", "0.01", "60000")
    rest("SELL", "0.02", "60100")
    rest("BUY", "0.01", "59000")
    rest("BUY", "0.02", "58900")
    return maker


@pytest.fixture
def client(live_server: Any, maker: Any, user: Any) -> ccxt.cex:
    fund(user, "smoke1", USDT="10000", BTC="1")
    key, secret = issue_key(user=user)
    exchange = ccxt.cex(
        {
            "apiKey": key.public_id,
            "secret": secret,
            "enableRateLimit": False,
            "timeout": 20000,
            "options": {"createOrder": {"accountId": "smoke1"}},
        }
    )
    exchange.urls["api"] = {
        "public": f"{live_server.url}/api/spot/rest-public",
        "private": f"{live_server.url}/api/spot/rest",
    }
    exchange.session.trust_env = False
    exchange.load_markets()
    return exchange


def test_orders_round_trip(client: ccxt.cex) -> None:
    resting = client.create_order(SYMBOL, "limit", "buy", 0.001, 50000)
    assert resting["status"] == "open"
    assert int(resting["id"]) > 0
    assert resting["price"] == 50000

    open_orders = client.fetch_open_orders(SYMBOL)
    assert [order["id"] for order in open_orders] == [resting["id"]]
    assert open_orders[0]["amount"] == 0.001
    fetched = client.fetch_open_order(resting["id"], SYMBOL)
    assert fetched["id"] == resting["id"]
    assert fetched["status"] == "open"

    client.cancel_order(resting["id"], SYMBOL)
    assert client.fetch_open_orders(SYMBOL) == []

    crossing = client.create_order(SYMBOL, "limit", "buy", 0.005, 60000)
    assert crossing["status"] == "closed"
    assert crossing["filled"] == 0.005
    assert crossing["average"] == 60000
    assert crossing["fee"]["currency"] == "USDT"

    market = client.create_order(SYMBOL, "market", "sell", 0.002)
    assert market["filled"] == 0.002
    assert market["status"] == "closed"

    client.create_order(SYMBOL, "limit", "sell", 0.001, 65000)
    client.create_order(SYMBOL, "limit", "buy", 0.001, 55000)
    cancelled = client.cancel_all_orders()
    assert len(cancelled) == 2
    assert client.fetch_open_orders(SYMBOL) == []

    closed = client.fetch_closed_orders(SYMBOL)
    by_status = sorted(order["status"] for order in closed)
    assert by_status == ["canceled", "canceled", "canceled", "closed", "closed"]


def test_insufficient_funds_raises_ccxts_insufficient_funds(client: ccxt.cex) -> None:
    with pytest.raises(ccxt.InsufficientFunds):
        client.create_order(SYMBOL, "limit", "buy", 1, 50000)
    with pytest.raises(ccxt.BadRequest):
        client.create_order(SYMBOL, "limit", "buy", 0.000001, 50000)


def test_market_data(client: ccxt.cex) -> None:
    client.create_order(SYMBOL, "limit", "buy", 0.003, 60000)

    book = client.fetch_order_book(SYMBOL)
    assert book["asks"][0] == [60000, 0.007]
    assert book["bids"][0] == [59000, 0.01]

    ticker = client.fetch_ticker(SYMBOL)
    assert ticker["bid"] == 59000
    assert ticker["ask"] == 60000
    assert ticker["last"] == 60000
    assert ticker["baseVolume"] == 0.003
    tickers = client.fetch_tickers()
    assert SYMBOL in tickers
    assert tickers[SYMBOL]["ask"] == 60000

    trades = client.fetch_trades(SYMBOL)
    assert [(t["side"], t["price"], t["amount"]) for t in trades] == [("buy", 60000, 0.003)]

    candles = client.fetch_ohlcv(SYMBOL, "1m", params={"dataType": "bestAsk"}, limit=5)
    # The trade's own minute, not the last candle: a minute may have begun since the trade.
    trade_minute = trades[0]["timestamp"] // 60_000 * 60_000
    (candle,) = [c for c in candles if c[0] == trade_minute]
    assert candle[4] == 60000
    assert candle[5] == 0.003


def test_ledger_shows_trade_and_commission_rows(client: ccxt.cex) -> None:
    client.create_order(SYMBOL, "limit", "buy", 0.001, 60000)
    entries = client.fetch_ledger("USDT")
    kinds = sorted((entry["type"], entry["direction"]) for entry in entries)
    assert ("trade", "out") in kinds
    assert ("fee", "out") in kinds
    trade = next(e for e in entries if e["type"] == "trade")
    assert trade["amount"] == 60
    assert any(e["type"] == "trade" for e in client.fetch_ledger("BTC"))
