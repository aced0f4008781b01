"""Every refused transfer answers with the protocol's text and moves nothing."""

from decimal import Decimal

import pytest

from activities.actor import Actor
from activities.models import Activity
from ledger import errors
from ledger.services import transfer_from_wallet, transfer_internal, transfer_to_wallet
from ledger.tests.helpers import snapshot

pytestmark = pytest.mark.django_db

INTERNAL_REFUSALS = [
    ({"amount": Decimal("100.01")}, errors.InsufficientFundsError, "Insufficient funds"),
    ({"amount": Decimal("0")}, errors.AmountNotPositiveError, "Amount should be greater than zero"),
    (
        {"amount": Decimal("-1")},
        errors.AmountNotPositiveError,
        "Amount should be greater than zero",
    ),
    ({"amount": Decimal("NaN")}, errors.AmountNotPositiveError, "greater than zero"),
    ({"amount": Decimal("Infinity")}, errors.AmountNotPositiveError, "greater than zero"),
    (
        {"amount": Decimal("1.001")},
        errors.AmountPrecisionError,
        "more than 2 decimals allowed for USD",
    ),
    ({"currency": "XYZ"}, errors.UnsupportedCurrencyError, "Unsupported currency XYZ"),
    (
        {"to_account": "sub1"},
        errors.SameAccountError,
        "fromAccountId and toAccountId should be different",
    ),
    ({"from_account": ""}, errors.MainAccountNotAllowedError, "main account"),
    ({"to_account": ""}, errors.MainAccountNotAllowedError, "main account"),
    ({"to_account": "nope"}, errors.AccountNotFoundError, "Account nope does not exist"),
    ({"from_account": "nope"}, errors.AccountNotFoundError, "Account nope does not exist"),
    ({"client_tx_id": "x" * 65}, errors.InvalidClientTxIdError, "64 characters"),
]


@pytest.mark.parametrize(("change", "error", "text"), INTERNAL_REFUSALS)
def test_internal_transfer_refusals_move_nothing(funded_user, change, error, text):
    params = {
        "from_account": "sub1",
        "to_account": "sub2",
        "currency": "USD",
        "amount": Decimal("1"),
    }
    params.update(change)
    before, activities = snapshot(), Activity.objects.count()
    with pytest.raises(error, match=text):
        transfer_internal(user=funded_user, actor=Actor.system(), **params)
    assert snapshot() == before
    assert Activity.objects.count() == activities


def test_another_users_sub_account_is_not_found(funded_user, other_user):
    before = snapshot()
    with pytest.raises(errors.AccountNotFoundError):
        transfer_internal(
            user=other_user,
            from_account="sub1",
            to_account="sub2",
            currency="USD",
            amount=Decimal("1"),
            actor=Actor.system(),
        )
    assert snapshot() == before


WALLET_REFUSALS = [
    ({"amount": Decimal("0")}, errors.AmountNotPositiveError, "greater than zero"),
    ({"amount": Decimal("-5")}, errors.AmountNotPositiveError, "greater than zero"),
    ({"currency": "XYZ"}, errors.UnsupportedCurrencyError, "Unsupported currency XYZ"),
    ({"currency": "NOWAL"}, errors.WalletTransfersUnavailableError, "not available for NOWAL"),
    (
        {"currency": "ETH", "amount": Decimal("0.0000001")},
        errors.AmountPrecisionError,
        "6 decimals",
    ),
    ({"account": ""}, errors.MainAccountNotAllowedError, "main account"),
    ({"account": "nope"}, errors.AccountNotFoundError, "does not exist"),
]


@pytest.mark.parametrize(("change", "error", "text"), WALLET_REFUSALS)
@pytest.mark.parametrize("service", [transfer_from_wallet, transfer_to_wallet])
def test_wallet_transfer_refusals_move_nothing(funded_user, service, change, error, text):
    params = {"account": "sub1", "currency": "USD", "amount": Decimal("1"), "client_tx_id": "t1"}
    params.update(change)
    before = snapshot()
    with pytest.raises(error, match=text):
        service(user=funded_user, actor=Actor.system(), **params)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("service", "amount"),
    [(transfer_from_wallet, Decimal("900.01")), (transfer_to_wallet, Decimal("100.01"))],
)
def test_wallet_transfers_beyond_the_balance_are_insufficient_funds(funded_user, service, amount):
    before = snapshot()
    with pytest.raises(errors.InsufficientFundsError, match="^Insufficient funds$"):
        service(
            user=funded_user,
            account="sub1",
            currency="USD",
            amount=amount,
            client_tx_id="x",
            actor=Actor.system(),
        )
    assert snapshot() == before
