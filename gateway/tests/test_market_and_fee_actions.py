"""The actions served now: server time, pairs, currencies, processing info (public and signed), and the
caller's fee, the fee schedule and the 30-day volume (signed)."""

import io
import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from gateway.tests.conftest import Signer, body_of, gateway_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def market() -> None:
    from demo import market

    market.seed(io.StringIO())


def public(client: Client, action: str, payload: bytes = b"{}"):
    return client.post(
        f"/api/spot/rest-public/{action}", data=payload, content_type="application/json"
    )


def data_of(response) -> object:
    assert response.status_code == 200, response.content
    return body_of(response)["data"]


def test_server_time_is_epoch_ms_and_iso(client: Client):
    before = int(time.time() * 1000)
    data = data_of(public(client, "get_server_time"))
    assert before - 1000 <= data["timestamp"] <= int(time.time() * 1000) + 1000
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["ISODate"])


def test_pairs_info_is_an_array_of_conditions(client: Client, market):
    data = data_of(public(client, "get_pairs_info"))
    assert isinstance(data, list)
    btc_usd = next(row for row in data if (row["base"], row["quote"]) == ("BTC", "USD"))
    assert btc_usd == {
        "base": "BTC",
        "quote": "USD",
        "baseMin": "0.00001",
        "baseMax": "100",
        "baseLotSize": "0.00000001",
        "quoteMin": "5",
        "quoteMax": "5000000",
        "quoteLotSize": "0.01",
        "basePrecision": 8,
        "quotePrecision": 2,
        "pricePrecision": 1,
        "minPrice": "100",
        "maxPrice": "1000000",
    }


@pytest.mark.parametrize("key", ["pairs", "pair"])
def test_pairs_info_filters_and_drops_unknown_pairs(client: Client, market, key: str):
    payload = f'{{"{key}":["ETH-BTC","DOGE-USD"]}}'.encode()
    data = data_of(public(client, "get_pairs_info", payload))
    assert [(row["base"], row["quote"]) for row in data] == [("ETH", "BTC")]


def test_currencies_info_lists_every_currency(client: Client, market):
    data = data_of(public(client, "get_currencies_info"))
    usd = next(row for row in data if row["currency"] == "USD")
    assert usd == {
        "currency": "USD",
        "fiat": True,
        "precision": 2,
        "walletPrecision": 2,
        "walletDeposit": True,
        "walletWithdrawal": True,
    }
    assert {row["currency"] for row in data} >= {"BTC", "ETH", "SOL", "XRP", "LTC", "USDT", "EUR"}


def test_currencies_info_refuses_an_empty_list(client: Client, market):
    response = public(client, "get_currencies_info", b'{"currencies":[]}')
    assert (response.status_code, body_of(response)["error"]) == (
        422,
        "Parameter currencies should be Array of Strings",
    )


def test_processing_info_is_consistent_with_currencies_info(client: Client, market):
    currencies = {row["currency"] for row in data_of(public(client, "get_currencies_info"))}
    processing = data_of(public(client, "get_processing_info"))
    assert set(processing) <= currencies
    assert "USD" not in processing
    assert processing["BTC"]["blockchains"]["bitcoin"] == {
        "type": "coin",
        "deposit": "enabled",
        "minDeposit": "0.0001",
        "withdrawal": "enabled",
        "minWithdrawal": "0.001",
        "withdrawalFee": "0.0002",
        "withdrawalFeePercent": "0",
        "depositConfirmations": 2,
    }


def test_processing_info_refuses_fiat_or_unknown_currencies(client: Client, market):
    response = public(client, "get_processing_info", b'{"currencies":["BTC","USD","XXX"]}')
    assert (response.status_code, body_of(response)["error"]) == (
        422,
        "Request contains unsupported currencies: USD, XXX.",
    )


@pytest.mark.parametrize(
    "action", ["get_server_time", "get_pairs_info", "get_currencies_info", "get_processing_info"]
)
def test_public_actions_have_signed_twins_logged_as_calls(signer: Signer, market, action: str):
    assert signer.post(action).status_code == 200
    row = gateway_rows().get()
    assert (row.action, row.details["action"]) == ("gateway.call", action)


def test_my_current_fee_gives_a_percent_per_pair(signer: Signer, market):
    data = data_of(signer.post("get_my_current_fee"))
    assert set(data["tradingFee"]) >= {"BTC-USD", "ETH-BTC"}
    fee = data["tradingFee"]["BTC-USD"]
    assert Decimal(fee["percent"]) == Decimal(fee["takerPercent"])
    assert Decimal("0") <= Decimal(fee["percent"]) <= Decimal("100")


def test_my_current_fee_filters_pairs(signer: Signer, market):
    data = data_of(signer.post("get_my_current_fee", {"pairs": ["BTC-USD"]}))
    assert list(data["tradingFee"]) == ["BTC-USD"]


def test_fee_strategy_is_the_whole_schedule(signer: Signer, market):
    data = data_of(signer.post("get_fee_strategy"))
    default = data["strategyConfig"]["default"]
    assert default
    assert default[0]["volume"] == 0
    assert isinstance(default[0]["fee"], str)


def test_my_volume_is_the_30_day_usd_volume(signer: Signer, market):
    assert data_of(signer.post("get_my_volume")) == {
        "period": "30d",
        "volume": "0",
        "currency": "USD",
    }


@pytest.mark.parametrize("action", ["get_my_current_fee", "get_fee_strategy", "get_my_volume"])
def test_private_only_actions_are_not_public(client: Client, action: str):
    assert public(client, action).status_code == 400
