"""A fill whose exact value has more decimals than its quote currency (0.00123 BTC at 97,123.45 USD is worth
119.4618435 USD) shows the same cut amounts, in each currency's precision, on the frontend JSON and on the
trading gateway: the order, the trade, the fee, the balance, the journal and the market data."""

from decimal import Decimal as D
from typing import Any

import pytest
from rest_framework.test import APIClient

from conditions.models import Pair
from gateway.tests.conftest import Signer, issue
from trading.tests.conftest import alice, bob, btc_usd, flat_fees  # noqa: F401 - fixtures
from trading.tests.helpers import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(alice: Any, bob: Any) -> Any:  # noqa: F811
    """alice's sell of 0.00123 BTC at 97,123.45 (maker), taken by bob: worth 119.46 USD once cut."""
    Pair.objects.update(tick_size=D("0.01"))
    order = place(alice, "SELL", "0.00123", "97123.45").order
    place(bob, "BUY", "0.00123", "97123.45")
    return order


def test_the_frontend_shows_the_fill_in_each_currencys_precision(alice: Any, filled: Any) -> None:  # noqa: F811
    client = APIClient()
    client.force_login(alice)
    [trade] = client.get("/api/v1/trading/trades/").json()["results"]
    assert {key: trade[key] for key in ("price", "amount", "quote_amount", "fee")} == {
        "price": "97123.45",
        "amount": "0.00123000",
        "quote_amount": "119.46",
        "fee": "0.12",
    }
    [order] = client.get("/api/v1/trading/orders/", {"status": "closed"}).json()["results"]
    assert (order["executed_quote"], order["fee_amount"]) == ("119.46", "0.12")
    sub1 = client.get("/api/v1/ledger/balances/").json()["accounts"][1]
    usd = next(row for row in sub1["balances"] if row["currency"] == "USD")
    assert usd["total"] == "100119.34"  # 100000 + 119.46 - 0.12
    usd_legs = [
        row["amount"]
        for row in client.get("/api/v1/ledger/transactions/").json()["results"]
        if row["currency"] == "USD" and row["type"] in ("trade", "commission")
    ]
    assert sorted(usd_legs) == ["-0.12", "119.46"]
    [ticker] = client.get("/api/v1/market/tickers/").json()
    assert (ticker["quote_volume"], ticker["volume_usd"]) == ("119.46", "119.46")


def test_the_gateway_shows_the_fill_in_each_currencys_precision(alice: Any, filled: Any) -> None:  # noqa: F811
    key, secret = issue(alice)
    gw = Signer(public_id=key.public_id, secret=secret)
    [order] = gw.data(
        "get_my_orders", {"archived": True, "serverCreateTimestampFrom": 0, "orderId": filled.pk}
    )
    assert {key: order[key] for key in ("executedAmountCcy1", "executedAmountCcy2")} == {
        "executedAmountCcy1": "0.00123000",
        "executedAmountCcy2": "119.46",
    }
    assert (order["feeAmount"], order["price"]) == ("0.12", "97123.45")
    accounts = gw.data("get_my_account_status_v3")["balancesPerAccounts"]
    assert accounts["sub1"]["USD"]["balance"] == "100119.34"
    rows = gw.data("get_my_transaction_history", {"currency": "USD"})
    assert sorted(row["amount"] for row in rows if row["type"] in ("trade", "commission")) == [
        "-0.12",
        "119.46",
    ]
    ticker = gw.data("get_ticker", {"pairs": ["BTC-USD"]})["BTC-USD"]
    assert (ticker["quoteVolume"], ticker["volumeUSD"]) == ("119.46", "119.46")
