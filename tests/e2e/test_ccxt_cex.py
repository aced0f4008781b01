"""End to end: the real server (pytest-django's live server) driven by the unmodified ccxt `cex` client.

ccxt signs with its own code, so a symmetric bug in gateway.signing cannot hide here.
"""

import io
import time
from typing import Any

import ccxt
import pytest

from apikeys.tests.factories import issue_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def market() -> None:
    from demo import market

    market.seed(io.StringIO())


@pytest.fixture
def credentials(user) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    key, secret = issue_key(user=user)
    return key.public_id, secret


def exchange(live_server: Any, api_key: str = "", secret: str = "") -> ccxt.cex:
    client = ccxt.cex(
        {"apiKey": api_key, "secret": secret, "enableRateLimit": False, "timeout": 20000}
    )
    client.urls["api"] = {
        "public": f"{live_server.url}/api/spot/rest-public",
        "private": f"{live_server.url}/api/spot/rest",
    }
    client.session.trust_env = False  # never route the test's localhost calls through a proxy
    return client


def test_fetch_time(live_server):
    server_ms = exchange(live_server).fetch_time()
    assert abs(server_ms - time.time() * 1000) < 5000


def test_load_markets_and_fetch_currencies(live_server, market):
    client = exchange(live_server)
    markets = client.load_markets()
    btc_usd = markets["BTC/USD"]
    assert (btc_usd["id"], btc_usd["base"], btc_usd["quote"]) == ("BTC-USD", "BTC", "USD")
    assert btc_usd["limits"]["amount"]["min"] == 0.00001
    assert btc_usd["precision"]["price"] == 0.1
    currencies = client.fetch_currencies()
    assert None not in currencies
    assert currencies["BTC"]["code"] == "BTC"
    assert currencies["USDT"][
        "networks"
    ]  # blockchains from get_processing_info, merged by currency
    assert (currencies["USD"]["type"], currencies["BTC"]["type"]) == ("fiat", "crypto")


def test_fetch_trading_fees(live_server, market, credentials):
    api_key, secret = credentials
    fees = exchange(live_server, api_key, secret).fetch_trading_fees()
    assert "BTC/USD" in fees
    assert fees["BTC/USD"]["taker"] is not None


def test_bad_key_is_an_authentication_error(live_server, market):
    client = exchange(live_server, "x" * 32, "whatever")
    with pytest.raises(ccxt.AuthenticationError):
        client.fetch_trading_fees()


def test_bad_signature_is_an_authentication_error(live_server, market, credentials):
    api_key, _ = credentials
    with pytest.raises(ccxt.AuthenticationError):
        exchange(live_server, api_key, "not-the-secret").fetch_trading_fees()


@pytest.mark.parametrize("skew", [-60, 60])
def test_stale_or_future_timestamp_is_an_authentication_error(
    live_server, market, credentials, skew
):
    api_key, secret = credentials
    client = exchange(live_server, api_key, secret)
    client.seconds = lambda: int(time.time()) + skew  # type: ignore[method-assign]
    with pytest.raises(ccxt.AuthenticationError):
        client.fetch_trading_fees()


def test_rate_limit_is_rate_limit_exceeded(live_server, market, credentials, settings):
    settings.GATEWAY_RATE_LIMIT_PRIVATE = 6  # get_my_current_fee costs 5
    api_key, secret = credentials
    client = exchange(live_server, api_key, secret)
    client.fetch_trading_fees()
    with pytest.raises(ccxt.RateLimitExceeded):
        client.fetch_trading_fees()


def test_public_rate_limit_is_rate_limit_exceeded(live_server, settings):
    settings.GATEWAY_RATE_LIMIT_PUBLIC = 1
    client = exchange(live_server)
    client.fetch_time()
    with pytest.raises(ccxt.RateLimitExceeded):
        client.fetch_time()
