"""Signed calls: get_my_transaction_history and get_my_funding_history, with filters and paging."""

import time
from decimal import Decimal

import pytest

from activities.actor import Actor
from ledger.services import transfer_internal, transfer_to_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw(funded_user, signed_client):  # type: ignore[no-untyped-def]
    transfer_internal(
        user=funded_user,
        from_account="sub1",
        to_account="sub2",
        currency="USD",
        amount=Decimal("10"),
        actor=Actor.system(),
    )
    transfer_to_wallet(
        user=funded_user,
        account="sub2",
        currency="USD",
        amount=Decimal("4"),
        client_tx_id="w1",
        actor=Actor.system(),
    )
    return signed_client(funded_user)


def test_transaction_history_rows_are_signed_entries_newest_first(gw):
    rows = gw.data("get_my_transaction_history")
    assert [(r["type"], r["accountId"], r["amount"]) for r in rows] == [
        ("withdraw", "sub2", "-4.00"),
        ("internalTransfer", "sub2", "10.00"),
        ("internalTransfer", "sub1", "-10.00"),
        ("deposit", "sub1", "100.00"),
    ]
    first = rows[0]
    assert first["currency"] == "USD"
    assert first["timestamp"].endswith("Z")
    assert isinstance(first["transactionId"], int)
    assert first["details"] == "Withdrawal to wallet"


def test_transaction_history_filters(gw):
    def types(payload):  # type: ignore[no-untyped-def]
        return [r["type"] for r in gw.data("get_my_transaction_history", payload)]

    assert types({"type": "internalTransfer"}) == ["internalTransfer", "internalTransfer"]
    assert types({"type": ""}) == types({})
    assert types({"accountId": "sub1"}) == ["internalTransfer", "deposit"]
    assert types({"accountId": ""}) == []
    assert types({"accountId": None}) == []
    assert types({"currency": "BTC"}) == []
    assert types({"currency": "USD", "pageSize": 2}) == ["withdraw", "internalTransfer"]
    assert types({"pageSize": 3, "pageNumber": 2}) == ["deposit"]
    assert types({"sortOrder": "ASC", "pageSize": 1}) == ["deposit"]
    now_ms = int(time.time() * 1000)
    assert types({"dateFrom": now_ms + 60_000}) == []
    assert len(types({"dateFrom": now_ms - 60_000, "dateTo": now_ms + 60_000})) == 4


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        (
            {"type": "transfer"},
            "Operation type is not supported. Supported types: trade,commission,",
        ),
        ({"pageSize": 101}, "Page size is limited to 100 items"),
        ({"pageSize": 0}, "pageSize"),
        ({"dateFrom": "yesterday"}, "dateFrom"),
    ],
)
def test_transaction_history_refusals(gw, payload, text):
    status, message = gw.error("get_my_transaction_history", payload)
    assert status == 422
    assert text in message


def test_funding_history_rows(gw, funded_user):
    rows = gw.data("get_my_funding_history")
    assert [(r["direction"], r["accountId"], r["amount"]) for r in rows] == [
        ("withdraw", "sub2", "4.00"),
        ("deposit", "sub1", "100.00"),
    ]
    row = rows[0]
    assert row["status"] == "approved"
    assert row["clientId"] == funded_user.public_id
    assert row["commissionAmount"] == "0.00"
    assert row["currency"] == "USD"
    assert isinstance(row["txId"], int)
    assert row["updatedAt"].endswith("Z")


def test_funding_history_filters(gw):
    def directions(payload):  # type: ignore[no-untyped-def]
        return [r["direction"] for r in gw.data("get_my_funding_history", payload)]

    assert directions({"direction": "deposit"}) == ["deposit"]
    assert directions({"direction": ""}) == ["withdraw", "deposit"]
    assert directions({"accountId": "sub2"}) == ["withdraw"]
    assert directions({"currency": "BTC"}) == []
    assert directions({"pageSize": 1, "pageNumber": 2}) == ["deposit"]
    tx_id = gw.data("get_my_funding_history")[0]["txId"]
    assert directions({"txId": tx_id}) == ["withdraw"]
    status, message = gw.error("get_my_funding_history", {"pageSize": 1000})
    assert (status, message) == (422, "Page size is limited to 100 items")


def test_transaction_id_means_one_thing_in_replies_and_both_histories(funded_user, signed_client):
    gw = signed_client(funded_user)
    internal = gw.data(
        "do_my_internal_transfer",
        {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD", "amount": "3"},
    )
    withdrawal = gw.data(
        "do_withdrawal_funds_to_wallet",
        {"accountId": "sub2", "currency": "USD", "amount": "1", "clientTxId": "match-me"},
    )

    history = gw.data("get_my_transaction_history")
    funding = gw.data("get_my_funding_history")

    legs = [
        (r["accountId"], r["amount"])
        for r in history
        if r["transactionId"] == internal["transactionId"]
    ]
    assert sorted(legs) == [("sub1", "-3.00"), ("sub2", "3.00")]
    assert [r["amount"] for r in history if r["transactionId"] == withdrawal["transactionId"]] == [
        "-1.00"
    ]
    assert [r["clientTxId"] for r in funding if r["txId"] == withdrawal["transactionId"]] == [
        "match-me"
    ]
