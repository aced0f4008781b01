"""GET /api/v1/trading-conditions/ (every pair) and /<symbol>/ (one): public, plain decimal strings."""

import pytest

from conditions.models import PairStatus
from conditions.tests.factories import CurrencyFactory, PairFactory

pytestmark = pytest.mark.django_db

BTC_USD = {
    "symbol": "BTC-USD",
    "base": "BTC",
    "quote": "USD",
    "status": "trading",
    "tick_size": "0.1",
    "price_precision": 1,
    "min_price": "100",
    "max_price": "1000000",
    "lot_size": "0.00001",
    "min_amount": "0.0001",
    "max_amount": "100",
    "min_value": "10",
    "max_value": "1000000",
    "base_precision": 8,
    "quote_precision": 2,
    "fee_currency": "USD",
    "order_types": ["Limit", "Market", "Stop Limit"],
    "time_in_force": ["GTC", "IOC", "FOK", "GTD"],
}


def test_every_pair_is_listed_by_symbol_for_anyone(anon_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    PairFactory(
        base=CurrencyFactory(code="ETH"),
        quote=CurrencyFactory(code="BTC"),
        status=PairStatus.HALTED,
        tick_size="0.00001",
        min_price="0.001",
        max_price="1",
        min_value="0.0001",
        max_value="100",
        quote_precision=8,
    )
    response = anon_client.get("/api/v1/trading-conditions/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["symbol"] for row in rows] == ["BTC-USD", "ETH-BTC"]
    assert {key: rows[0][key] for key in BTC_USD} == BTC_USD
    assert rows[0]["updated_at"] == btc_usd.updated_at.isoformat().replace("+00:00", "Z")
    assert (rows[1]["status"], rows[1]["price_precision"]) == ("halted", 5)


def test_one_pair_by_symbol(api_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    response = api_client.get("/api/v1/trading-conditions/BTC-USD/")
    assert response.status_code == 200
    assert {key: response.json()[key] for key in BTC_USD} == BTC_USD


def test_an_unknown_pair_is_404(anon_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    response = anon_client.get("/api/v1/trading-conditions/DOGE-USD/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "pair_not_found"


def test_both_endpoints_are_in_the_openapi_schema(api_client) -> None:  # type: ignore[no-untyped-def]
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/trading-conditions/" in schema
    assert "/api/v1/trading-conditions/{symbol}/" in schema
