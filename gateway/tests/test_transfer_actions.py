"""Signed calls: do_my_internal_transfer, do_deposit_funds_from_wallet, do_withdrawal_funds_to_wallet."""

from decimal import Decimal

import pytest

from activities.models import Activity, ActivityType
from ledger.tests.helpers import balance, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def gw(funded_user, signed_client):  # type: ignore[no-untyped-def]
    return signed_client(funded_user)


INTERNAL = {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD", "amount": "25.5"}


def test_internal_transfer_moves_funds_and_records_the_key(gw, funded_user):
    data = gw.data("do_my_internal_transfer", INTERNAL)
    assert isinstance(data["transactionId"], int)
    assert balance(funded_user, "sub1", "USD") == (Decimal("74.5"), 0)
    assert balance(funded_user, "sub2", "USD") == (Decimal("25.5"), 0)
    row = Activity.objects.get(action=ActivityType.TRANSFER_INTERNAL)
    assert (row.source, row.api_key) == ("gateway", gw.public_id)
    # The service wrote the row; the gateway adds none for a successful mutating call.
    assert not Activity.objects.filter(action__startswith="gateway.").exists()


def test_amounts_may_be_json_numbers(gw, funded_user):
    gw.data("do_my_internal_transfer", {**INTERNAL, "amount": 10})
    assert balance(funded_user, "sub2", "USD") == (Decimal("10"), 0)


def test_internal_transfer_is_idempotent_on_client_tx_id(gw, funded_user):
    first = gw.data("do_my_internal_transfer", {**INTERNAL, "clientTxId": "c-1"})
    before = snapshot()
    # A retry (new bytes, so not refused as a replay) gets the first transactionId back.
    again = gw.data("do_my_internal_transfer", {**INTERNAL, "clientTxId": "c-1", "retry": 1})
    assert again == first
    assert snapshot() == before
    status, text = gw.error(
        "do_my_internal_transfer", {**INTERNAL, "amount": "1", "clientTxId": "c-1"}
    )
    assert (status, text) == (409, "clientTxId c-1 was already used with different parameters")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"amount": "1000"}, 400, "Insufficient funds"),
        ({"amount": "0"}, 422, "Amount should be greater than zero"),
        ({"amount": "-1"}, 422, "Amount should be greater than zero"),
        ({"amount": "1e2"}, 422, "exponent"),
        ({"amount": "NaN"}, 422, "finite"),
        ({"amount": "1.001"}, 422, "more than 2 decimals allowed for USD"),
        ({"currency": "XYZ"}, 422, "Unsupported currency XYZ"),
        ({"currency": "usd"}, 422, "Unsupported currency usd"),
        ({"toAccountId": "sub1"}, 422, "fromAccountId and toAccountId should be different"),
        ({"fromAccountId": ""}, 422, "main account"),
        ({"toAccountId": ""}, 422, "main account"),
        ({"toAccountId": "ghost"}, 422, "Account ghost does not exist"),
        ({"fromAccountId": None}, 422, "Mandatory parameter fromAccountId is missing"),
    ],
)
def test_internal_transfer_refusals_move_nothing(gw, change, status, text):
    payload = {key: value for key, value in {**INTERNAL, **change}.items() if value is not None}
    before = snapshot()
    got_status, message = gw.error("do_my_internal_transfer", payload)
    assert got_status == status
    assert text in message
    assert snapshot() == before
    assert Activity.objects.filter(action=ActivityType.GATEWAY_REFUSED).count() == 1


WALLET = {"accountId": "sub2", "currency": "BTC", "amount": "0.3", "clientTxId": "w-1"}


def test_deposit_from_wallet_and_withdrawal_to_wallet(gw, funded_user):
    deposit = gw.data("do_deposit_funds_from_wallet", WALLET)
    assert {k: deposit[k] for k in ("accountId", "clientTxId", "currency", "status")} == {
        "accountId": "sub2",
        "clientTxId": "w-1",
        "currency": "BTC",
        "status": "approved",
    }
    gw.data("do_withdrawal_funds_to_wallet", {**WALLET, "amount": "0.1", "clientTxId": "w-2"})
    assert balance(funded_user, "sub2", "BTC") == (Decimal("0.2"), 0)
    assert balance(funded_user, None, "BTC") == (Decimal("1.8"), 0)
    actions = set(Activity.objects.values_list("action", flat=True))
    assert {ActivityType.TRANSFER_FROM_WALLET, ActivityType.TRANSFER_TO_WALLET} <= actions


@pytest.mark.parametrize(
    "action", ["do_deposit_funds_from_wallet", "do_withdrawal_funds_to_wallet"]
)
@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"amount": "5"}, 400, "Insufficient funds"),
        ({"clientTxId": None}, 422, "Mandatory parameter clientTxId is missing"),
        ({"accountId": ""}, 422, "main account"),
        ({"currency": "XYZ"}, 422, "Unsupported currency XYZ"),
        ({"amount": "0"}, 422, "Amount should be greater than zero"),
    ],
)
def test_wallet_transfer_refusals_move_nothing(gw, action, change, status, text):
    payload = {key: value for key, value in {**WALLET, **change}.items() if value is not None}
    before = snapshot()
    got_status, message = gw.error(action, payload)
    assert got_status == status
    assert text in message
    assert snapshot() == before


def test_wallet_transfers_are_idempotent_on_client_tx_id(gw, funded_user):
    first = gw.data("do_deposit_funds_from_wallet", WALLET)
    before = snapshot()
    assert gw.data("do_deposit_funds_from_wallet", {**WALLET, "retry": True}) == first
    assert snapshot() == before
    status, _ = gw.error("do_deposit_funds_from_wallet", {**WALLET, "amount": "0.4"})
    assert status == 409
    assert snapshot() == before


@pytest.mark.parametrize(
    ("permissions", "action", "payload"),
    [
        (("read", "funds_wallet"), "do_my_internal_transfer", INTERNAL),
        (("read", "funds_internal"), "do_deposit_funds_from_wallet", WALLET),
        (("read", "funds_internal"), "do_withdrawal_funds_to_wallet", WALLET),
    ],
)
def test_transfers_need_their_funds_permission(
    funded_user, signed_client, permissions, action, payload
):
    gw = signed_client(funded_user, permissions=permissions)
    before = snapshot()
    status, _ = gw.error(action, payload)
    assert status == 403
    assert snapshot() == before
