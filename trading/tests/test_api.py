"""The frontend JSON API: my orders (place, list, cancel), my trades, the public market data, the schema."""

from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from trading.models import OrderStatus
from trading.tests.helpers import balance, clear_of_a_minute_boundary, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(alice) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(alice)
    return client


def test_place_list_and_cancel_an_order(client, alice) -> None:  # type: ignore[no-untyped-def]
    body = {
        "account": "sub1",
        "pair": "BTC-USD",
        "side": "BUY",
        "order_type": "Limit",
        "amount": "0.1",
        "price": "40000",
    }
    response = client.post("/api/v1/trading/orders/", body, format="json")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "NEW"
    assert order["price"] == "40000.0"  # the pair's price precision (tick 0.1)
    listed = client.get("/api/v1/trading/orders/").json()
    assert [row["id"] for row in listed["results"]] == [order["id"]]
    cancelled = client.post(f"/api/v1/trading/orders/{order['id']}/cancel/")
    assert cancelled.json()["status"] == OrderStatus.CANCELLED
    assert client.get("/api/v1/trading/orders/").json()["results"] == []
    closed = client.get("/api/v1/trading/orders/", {"status": "closed"}).json()["results"]
    assert [row["id"] for row in closed] == [order["id"]]
    assert balance(alice, "USD") == (D("100000"), D("0"))


def test_a_refused_order_comes_back_rejected(client) -> None:  # type: ignore[no-untyped-def]
    body = {
        "account": "sub1",
        "pair": "BTC-USD",
        "side": "BUY",
        "order_type": "Limit",
        "amount": "5",
        "price": "40000",
    }
    order = client.post("/api/v1/trading/orders/", body, format="json").json()
    assert (order["status"], order["reject_reason"]) == ("REJECTED", "Insufficient funds")


def test_cancelling_another_users_order_is_not_found(client, bob) -> None:  # type: ignore[no-untyped-def]
    theirs = place(bob, "SELL", "0.1", "60000").order
    response = client.post(f"/api/v1/trading/orders/{theirs.pk}/cancel/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"


def test_my_trades_show_my_side_role_and_fee(client, alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(bob, "SELL", "0.1", "50000")
    place(alice, "BUY", "0.1", "50000")
    [trade] = client.get("/api/v1/trading/trades/").json()["results"]
    assert (trade["side"], trade["role"], trade["fee"], trade["fee_currency"]) == (
        "BUY",
        "taker",
        "10.00",
        "USD",
    )


def test_orders_and_trades_need_a_login(anon_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    assert anon_client.get("/api/v1/trading/orders/").status_code == 403
    assert anon_client.get("/api/v1/trading/trades/").status_code == 403


def test_market_data_is_public_and_shows_money_by_the_display_rule(anon_client, alice, bob) -> None:  # type: ignore[no-untyped-def]
    # Prices with the pair's precision (tick 0.1), BTC amounts with 8 decimals, USD with 2.
    clear_of_a_minute_boundary()
    place(bob, "SELL", "0.1", "50000")
    place(alice, "BUY", "0.05", "50000")
    place(alice, "BUY", "0.1", "49000")
    book = anon_client.get("/api/v1/market/BTC-USD/book/").json()
    assert book["bids"] == [{"price": "49000.0", "amount": "0.10000000"}]
    assert book["asks"] == [{"price": "50000.0", "amount": "0.05000000"}]
    [ticker] = anon_client.get("/api/v1/market/tickers/").json()
    assert {key: ticker[key] for key in ("pair", "last", "best_bid", "best_ask", "high")} == {
        "pair": "BTC-USD",
        "last": "50000.0",
        "best_bid": "49000.0",
        "best_ask": "50000.0",
        "high": "50000.0",
    }
    assert (ticker["volume"], ticker["volume_30d"], ticker["last_trade_volume"]) == (
        "0.05000000",
        "0.05000000",
        "0.05000000",
    )
    assert (ticker["quote_volume"], ticker["volume_usd"]) == ("2500.00", "2500.00")
    trades = anon_client.get("/api/v1/market/BTC-USD/trades/").json()
    assert [(t["side"], t["price"], t["amount"]) for t in trades] == [
        ("BUY", "50000.0", "0.05000000")
    ]
    candles = anon_client.get(
        "/api/v1/market/BTC-USD/candles/", {"data_type": "bestAsk", "limit": 2}
    ).json()
    assert len(candles) == 2
    assert (candles[-1]["close"], candles[-1]["volume"]) == ("50000.0", "0.05000000")
    assert anon_client.get("/api/v1/market/NOPE-USD/book/").status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(anon_client) -> None:  # type: ignore[no-untyped-def]
    schema = anon_client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/trading/orders/",
        "/api/v1/trading/orders/{order_id}/cancel/",
        "/api/v1/trading/trades/",
        "/api/v1/market/tickers/",
        "/api/v1/market/{symbol}/book/",
        "/api/v1/market/{symbol}/trades/",
        "/api/v1/market/{symbol}/candles/",
    ):
        assert path in schema["paths"], path
