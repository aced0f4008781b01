"""Transfers between sub-accounts and between the wallet and a sub-account: money moves, the journal and the
activity log say so."""

from decimal import Decimal

import pytest

from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from ledger.models import JournalEntry, JournalTransaction, TransactionType
from ledger.services import transfer_from_wallet, transfer_internal, transfer_to_wallet
from ledger.tests.helpers import balance, currency_sums

pytestmark = pytest.mark.django_db


def test_an_internal_transfer_moves_funds_between_sub_accounts(funded_user):
    result = transfer_internal(
        user=funded_user,
        from_account="sub1",
        to_account="sub2",
        currency="USD",
        amount=Decimal("40.25"),
        actor=Actor(ip="10.1.1.1", source=Source.GATEWAY, api_key="pk_1"),
    )
    assert balance(funded_user, "sub1", "USD") == (Decimal("59.75"), 0)
    assert balance(funded_user, "sub2", "USD") == (Decimal("40.25"), 0)
    assert (result.from_account, result.to_account, result.amount) == (
        "sub1",
        "sub2",
        Decimal("40.25"),
    )
    assert result.replayed is False
    journal_tx = JournalTransaction.objects.get(pk=result.transaction_id)
    assert journal_tx.type == TransactionType.INTERNAL_TRANSFER
    assert sorted(journal_tx.entries.values_list("amount", flat=True)) == [
        Decimal("-40.25"),
        Decimal("40.25"),
    ]
    row = Activity.objects.filter(action=ActivityType.TRANSFER_INTERNAL).get()
    assert (row.source, row.api_key, row.ip) == ("gateway", "pk_1", "10.1.1.1")
    assert row.details["transaction_id"] == result.transaction_id
    assert row.details["amount"] == "40.25"
    assert all(total == 0 for total in currency_sums().values())


def test_a_deposit_from_the_wallet_moves_wallet_funds_to_the_sub_account(funded_user):
    result = transfer_from_wallet(
        user=funded_user,
        account="sub2",
        currency="BTC",
        amount=Decimal("0.5"),
        client_tx_id="d-1",
        actor=Actor.system(),
    )
    assert balance(funded_user, None, "BTC") == (Decimal("1.5"), 0)
    assert balance(funded_user, "sub2", "BTC") == (Decimal("0.5"), 0)
    assert (result.type, result.from_account, result.to_account) == ("wallet_deposit", None, "sub2")
    assert result.client_tx_id == "d-1"
    from_wallet = Activity.objects.filter(action=ActivityType.TRANSFER_FROM_WALLET)
    assert from_wallet.count() == 2  # the fixture's and this one


def test_a_withdrawal_to_the_wallet_moves_funds_back(funded_user):
    result = transfer_to_wallet(
        user=funded_user,
        account="sub1",
        currency="USD",
        amount=Decimal("100"),
        client_tx_id="w-1",
        actor=Actor.system(),
    )
    assert balance(funded_user, "sub1", "USD") == (Decimal("0"), 0)
    assert balance(funded_user, None, "USD") == (Decimal("1000"), 0)
    assert (result.type, result.from_account, result.to_account) == (
        "wallet_withdrawal",
        "sub1",
        None,
    )
    assert (
        Activity.objects.filter(action=ActivityType.TRANSFER_TO_WALLET)
        .get()
        .details["client_tx_id"]
        == "w-1"
    )
    assert all(total == 0 for total in currency_sums().values())


def test_the_whole_available_balance_can_be_moved(funded_user):
    transfer_internal(
        user=funded_user,
        from_account="sub1",
        to_account="sub2",
        currency="USD",
        amount=Decimal("100.00"),
        actor=Actor.system(),
    )
    assert balance(funded_user, "sub1", "USD") == (0, 0)


def test_entries_carry_the_balance_after_each_movement(funded_user):
    transfer_internal(
        user=funded_user,
        from_account="sub1",
        to_account="sub2",
        currency="USD",
        amount=Decimal("30"),
        actor=Actor.system(),
    )
    transfer_internal(
        user=funded_user,
        from_account="sub1",
        to_account="sub2",
        currency="USD",
        amount=Decimal("20"),
        actor=Actor.system(),
    )
    afters = list(
        JournalEntry.objects.filter(account__name="sub2", currency_id="USD")
        .order_by("id")
        .values_list("balance_after", flat=True)
    )
    assert afters == [Decimal("30"), Decimal("50")]
