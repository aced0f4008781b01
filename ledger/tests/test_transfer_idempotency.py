"""clientTxId: a repeat with the same parameters returns the first result and moves nothing; a repeat with other
parameters is refused."""

from decimal import Decimal

import pytest

from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from ledger.errors import ClientTxIdConflictError
from ledger.models import JournalTransaction
from ledger.services import (
    account_create,
    transfer_from_wallet,
    transfer_internal,
    transfer_to_wallet,
    wallet_credit,
)
from ledger.tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def _internal(user, **change):  # type: ignore[no-untyped-def]
    params = {
        "from_account": "sub1",
        "to_account": "sub2",
        "currency": "USD",
        "amount": Decimal("10"),
        "client_tx_id": "tx-1",
    }
    return transfer_internal(user=user, **{"actor": Actor.system(), **params, **change})


def test_a_repeated_internal_transfer_returns_the_first_result_and_moves_nothing(funded_user):
    first = _internal(funded_user)
    before = snapshot()
    again = _internal(funded_user, amount=Decimal("10.00"))  # the same amount, written differently
    assert again.transaction_id == first.transaction_id
    assert again.replayed is True
    assert (again.from_account, again.to_account, again.amount) == ("sub1", "sub2", Decimal("10"))
    assert snapshot() == before
    replay_row = Activity.objects.filter(action=ActivityType.TRANSFER_INTERNAL).latest("id")
    assert replay_row.details == {
        "transaction_id": first.transaction_id,
        "client_tx_id": "tx-1",
        "replayed": True,
    }


@pytest.mark.parametrize(
    "change",
    [{"amount": Decimal("11")}, {"to_account": "sub3"}, {"currency": "BTC"}],
)
def test_a_repeat_with_other_parameters_is_refused_and_moves_nothing(funded_user, change):
    account_create(user=funded_user, name="sub3", actor=Actor.system())
    _internal(funded_user)
    before = snapshot()
    with pytest.raises(
        ClientTxIdConflictError, match="tx-1 was already used with different parameters"
    ):
        _internal(funded_user, **change)
    assert snapshot() == before


def test_a_repeat_after_the_funds_are_gone_still_returns_the_first_result(funded_user):
    first = _internal(funded_user, amount=Decimal("100"))
    assert _internal(funded_user, amount=Decimal("100")).transaction_id == first.transaction_id


def test_without_a_client_tx_id_every_call_moves_money(funded_user):
    _internal(funded_user, client_tx_id="")
    _internal(funded_user, client_tx_id="")
    assert JournalTransaction.objects.filter(type="internal_transfer").count() == 2


def test_client_tx_ids_are_per_user(funded_user, other_user):
    wallet_credit(
        user=other_user,
        currency="USD",
        amount=Decimal("50"),
        actor=Actor(ip=None, source=Source.ADMIN),
    )
    account_create(user=other_user, name="mine", actor=Actor.system())
    first = transfer_from_wallet(
        user=funded_user,
        account="sub2",
        currency="USD",
        amount=Decimal("1"),
        client_tx_id="same",
        actor=Actor.system(),
    )
    second = transfer_from_wallet(
        user=other_user,
        account="mine",
        currency="USD",
        amount=Decimal("1"),
        client_tx_id="same",
        actor=Actor.system(),
    )
    assert first.transaction_id != second.transaction_id
    assert second.replayed is False


@pytest.mark.parametrize("service", [transfer_from_wallet, transfer_to_wallet])
def test_wallet_transfers_are_idempotent_on_client_tx_id(funded_user, service):
    first = service(
        user=funded_user,
        account="sub1",
        currency="USD",
        amount=Decimal("5"),
        client_tx_id="w-7",
        actor=Actor.system(),
    )
    before = snapshot()
    again = service(
        user=funded_user,
        account="sub1",
        currency="USD",
        amount=Decimal("5"),
        client_tx_id="w-7",
        actor=Actor.system(),
    )
    assert (again.transaction_id, again.replayed) == (first.transaction_id, True)
    assert snapshot() == before
    with pytest.raises(ClientTxIdConflictError):
        service(
            user=funded_user,
            account="sub2",
            currency="USD",
            amount=Decimal("5"),
            client_tx_id="w-7",
            actor=Actor.system(),
        )
    assert snapshot() == before
