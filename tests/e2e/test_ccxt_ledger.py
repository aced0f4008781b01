"""End to end, ledger: balances, accounts, transfers, ledger and funding history and deposit addresses through
the real server and the unmodified ccxt `cex` client (which signs with its own code)."""

import io
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from activities.actor import Actor
from activities.models import Source
from apikeys.tests.factories import issue_key
from ledger.services import deposit_addresses_load, wallet_credit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def client(live_server: Any, user: Any) -> ccxt.cex:
    from demo import market

    market.seed(io.StringIO())
    wallet_credit(
        user=user, currency="USDT", amount=Decimal("100"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    wallet_credit(
        user=user, currency="BTC", amount=Decimal("0.5"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    deposit_addresses_load(currency="BTC", network="bitcoin", addresses=[("bc1qe2eaddress01", "")])
    key, secret = issue_key(user=user)
    exchange = ccxt.cex(
        {"apiKey": key.public_id, "secret": secret, "enableRateLimit": False, "timeout": 20000}
    )
    exchange.urls["api"] = {
        "public": f"{live_server.url}/api/spot/rest-public",
        "private": f"{live_server.url}/api/spot/rest",
    }
    exchange.session.trust_env = False
    for name in ("smoke1", "smoke2"):
        exchange.privatePostDoCreateAccount({"accountId": name, "currency": "USDT"})
    return exchange


def test_balances_accounts_and_transfers(client):
    wallet = client.fetch_balance()  # the wallet, by default
    assert wallet["USDT"]["total"] == 100
    assert wallet["BTC"]["total"] == 0.5

    client.transfer("USDT", 30, "", "smoke1")  # wallet -> sub
    client.transfer("USDT", 10, "smoke1", "smoke2")  # sub -> sub
    client.transfer("USDT", 5, "smoke2", "")  # sub -> wallet

    sub1 = client.fetch_balance({"method": "privatePostGetMyAccountStatusV3", "account": "smoke1"})
    assert (sub1["USDT"]["total"], sub1["USDT"]["used"], sub1["USDT"]["free"]) == (20, 0, 20)
    sub2 = client.fetch_balance({"method": "privatePostGetMyAccountStatusV3", "account": "smoke2"})
    assert sub2["USDT"]["total"] == 5
    assert client.fetch_balance()["USDT"]["total"] == 75
    assert len(client.fetch_accounts()) == 3  # main, smoke1, smoke2


def test_insufficient_funds_is_ccxts_insufficient_funds(client):
    with pytest.raises(ccxt.InsufficientFunds):
        client.transfer("USDT", 1000, "", "smoke1")
    with pytest.raises(ccxt.InsufficientFunds):
        client.transfer("USDT", 1, "smoke1", "smoke2")


def test_ledger_and_funding_history(client):
    client.transfer("USDT", 30, "", "smoke1")
    client.transfer("USDT", 10, "smoke1", "smoke2")
    client.transfer("USDT", 5, "smoke1", "")

    ledger = client.fetch_ledger("USDT")
    assert sorted(
        (entry["type"], entry["amount"], entry["direction"]) for entry in ledger
    ) == sorted(
        [
            ("deposit", 30, "in"),
            ("internalTransfer", 10, "out"),
            ("internalTransfer", 10, "in"),
            ("withdrawal", 5, "out"),
        ]
    )
    assert all(entry["currency"] == "USDT" and entry["timestamp"] for entry in ledger)
    assert client.fetch_ledger("BTC") == []

    funding = client.fetch_deposits_withdrawals()
    assert sorted((t["type"], t["amount"], t["status"]) for t in funding) == [
        ("deposit", 30, "ok"),
        ("withdrawal", 5, "ok"),
    ]


def test_deposit_address(client):
    address = client.fetch_deposit_address("BTC", {"accountId": "smoke1"})
    assert address["address"] == "bc1qe2eaddress01"
    assert address["currency"] == "BTC"
    assert (
        client.fetch_deposit_address("BTC", {"accountId": "smoke1"})["address"]
        == "bc1qe2eaddress01"
    )
