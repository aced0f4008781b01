"""Market data on the public door: order book, ticker, trade history and candles, in the protocol's shape."""

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client

from conditions.models import Pair
from trading.models import PairState
from trading.selectors import order_book, tickers
from trading.tests.helpers import clear_of_a_minute_boundary, place

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)


def public(action: str, body: dict[str, Any]) -> Any:
    response = Client().post(
        f"/api/spot/rest-public/{action}", data=json.dumps(body), content_type="application/json"
    )
    payload = json.loads(response.content)
    assert response.status_code == 200, payload
    return payload["data"]


def test_the_order_book_aggregates_levels_best_first(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "BUY", "0.1", "49000")
    place(bob, "BUY", "0.2", "49000")
    place(alice, "BUY", "0.1", "49500")
    place(bob, "SELL", "0.3", "50500")
    place(bob, "SELL", "0.1", "50100")
    data = public("get_order_book", {"pair": "BTC-USD"})
    assert data["currency1"] == "BTC"
    assert data["currency2"] == "USD"
    assert data["bids"] == [["49500.0", "0.10000000"], ["49000.0", "0.30000000"]]
    assert data["asks"] == [["50100.0", "0.10000000"], ["50500.0", "0.30000000"]]
    assert isinstance(data["timestamp"], int)
    book = order_book(pair=PairState.objects.get().pair, at=T0, depth=1)
    assert book.bids == [(D("49500"), D("0.1"))]


def test_the_ticker_shows_best_prices_last_trade_and_24h_volume(alice, bob, btc_usd) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.5", "50000")
    place(bob, "BUY", "0.1", "50000")
    place(bob, "BUY", "0.1", "50000")
    place(bob, "BUY", "0.2", "49000")
    data = public("get_ticker", {"pairs": ["BTC-USD"]})
    ticker = data["BTC-USD"]
    assert ticker["bestBid"] == "49000.0"
    assert ticker["bestAsk"] == "50000.0"
    assert ticker["lastTradePrice"] == "50000.0"
    assert ticker["last"] == "50000.0"
    assert ticker["volume"] == "0.20000000"
    assert ticker["quoteVolume"] == "10000.00"
    assert ticker["volume30d"] == "0.20000000"
    assert ticker["volumeUSD"] == "10000.00"
    assert ticker["high"] == ticker["low"] == "50000.0"
    assert ticker["lastTradeVolume"] == "0.10000000"
    assert set(public("get_ticker", {})) == {"BTC-USD"}
    [row] = tickers(pairs=[btc_usd], at=datetime.now(UTC))
    assert row.price_change == 0


def test_trade_history_lists_trades_with_the_taker_side(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.3", "50000")
    place(bob, "BUY", "0.1", "50000")
    place(bob, "BUY", "0.2", "50000")
    place(bob, "BUY", "0.1", "49000")
    place(alice, "SELL", "0.05", None)
    data = public("get_trade_history", {"pair": "BTC-USD"})
    trades = data["trades"]
    assert [(t["side"], t["price"], t["amount"]) for t in trades] == [
        ("BUY", "50000.0", "0.10000000"),
        ("BUY", "50000.0", "0.20000000"),
        ("SELL", "49000.0", "0.05000000"),
    ]
    assert all(t["tradeId"].count("-") == 1 and t["dateISO"].endswith("Z") for t in trades)
    assert data["pageSize"] == 1000
    last_two = public("get_trade_history", {"pair": "BTC-USD", "pageSize": 2})["trades"]
    assert [t["tradeId"] for t in last_two] == [t["tradeId"] for t in trades[1:]]
    sells = public("get_trade_history", {"pair": "BTC-USD", "side": "SELL"})["trades"]
    assert len(sells) == 1
    from_second = public(
        "get_trade_history", {"pair": "BTC-USD", "fromTradeId": trades[1]["tradeId"]}
    )
    assert len(from_second["trades"]) == 2


def test_candles_on_the_wire(alice) -> None:  # type: ignore[no-untyped-def]
    place(alice, "BUY", "0.1", "49000")
    place(alice, "SELL", "0.1", "51000")
    now = datetime.now(UTC)
    body = {
        "pair": "BTC-USD",
        "resolution": "1m",
        "dataType": "bestAsk",
        "toISO": now.isoformat(),
        "limit": 3,
    }
    rows = public("get_candles", body)
    assert len(rows) == 3
    latest = rows[-1]
    assert latest["close"] == 51000
    assert latest["resolution"] == "1m"
    assert "isClosed" not in latest
    assert latest["timestampISO"].endswith(":00.000Z")
    # Before anything was known: a candle with only its time.
    assert set(rows[0]) <= {
        "timestamp",
        "resolution",
        "isClosed",
        "timestampISO",
        "open",
        "high",
        "low",
        "close",
        "volume",
    }
    keyed = public(
        "get_candles", {**body, "pair": None, "pairsList": ["BTC-USD", "NOPE-USD"], "limit": 1}
    )
    assert len(keyed["BTC-USD"]) == 1
    assert keyed["NOPE-USD"] == {"error": {"code": 400, "reason": "Unsupported pair NOPE-USD"}}


def test_candle_numbers_are_fixed_point_at_the_pairs_precisions(alice, bob) -> None:  # type: ignore[no-untyped-def]
    Pair.objects.update(min_amount=D("0.00001"), min_value=D("1"))
    clear_of_a_minute_boundary()
    place(alice, "SELL", "0.00005", "50000.1")
    place(bob, "BUY", "0.00005", "50000.1")
    place(alice, "SELL", "0.1", "51000")
    body = {"pair": "BTC-USD", "resolution": "1m", "dataType": "bestAsk", "limit": 1}
    body["toISO"] = datetime.now(UTC).isoformat()
    response = Client().post(
        "/api/spot/rest-public/get_candles", data=json.dumps(body), content_type="application/json"
    )
    # JSON numbers as the protocol sends them, never `5e-05` (what a float gives): the base volume at BTC's
    # 8 decimals at most, prices at the pair's 1, without trailing zeros.
    text = response.content.decode()
    assert '"volume":0.00005,' in text
    assert '"open":50000.1,' in text
    assert '"close":51000,' in text
    assert "e-" not in text.lower()


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            {"pair": "BTC-USD", "resolution": "1m", "toISO": "2026-01-01T00:00:00Z", "limit": 1},
            "dataType",
        ),
        ({"pair": "BTC-USD", "resolution": "3m", "dataType": "bestBid", "limit": 1}, "resolution"),
        (
            {
                "pair": "BTC-USD",
                "resolution": "1m",
                "dataType": "bestBid",
                "fromISO": "2025-12-31T00:00:00Z",
                "toISO": "2026-01-01T00:00:00Z",
                "limit": 5,
            },
            "limit",
        ),
    ],
)
def test_candle_parameter_refusals(btc_usd, body, text) -> None:  # type: ignore[no-untyped-def]
    response = Client().post(
        "/api/spot/rest-public/get_candles", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert text in json.loads(response.content)["error"]


def test_candles_with_one_bound_and_no_limit_default_to_100(btc_usd) -> None:  # type: ignore[no-untyped-def]
    """ccxt's fetch_ohlcv() without a limit sends only toISO; it gets the last 100 periods, not an error."""
    body = {
        "pair": "BTC-USD",
        "resolution": "1m",
        "dataType": "bestBid",
        "toISO": "2026-01-01T00:00:00Z",
    }
    response = Client().post(
        "/api/spot/rest-public/get_candles", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    assert len(json.loads(response.content)["data"]) <= 100
