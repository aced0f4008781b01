"""Reads: balances per account, the transaction history and the funding history with their filters."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from activities.actor import Actor
from ledger import selectors
from ledger.models import JournalEntry, TransactionType
from ledger.services import transfer_internal, transfer_to_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(funded_user):  # type: ignore[no-untyped-def]
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
    return funded_user


def test_spot_balances_list_main_and_every_sub_account(history):
    result = selectors.spot_balances(user=history)
    assert list(result) == ["", "sub1", "sub2"]
    assert result[""] == {}
    assert result["sub1"]["USD"].total == Decimal("90")
    assert result["sub2"]["USD"].total == Decimal("6")


def test_spot_balances_filter_by_account_and_currency(history):
    assert list(selectors.spot_balances(user=history, account_names=["sub2", "ghost"])) == ["sub2"]
    assert selectors.spot_balances(user=history, currencies=["BTC"]) == {
        "": {},
        "sub1": {},
        "sub2": {},
    }


def test_wallet_balances(history):
    wallet = selectors.wallet_balances(user=history)
    assert {code: row.total for code, row in wallet.items()} == {
        "BTC": Decimal("2"),
        "USD": Decimal("904"),
    }


def test_entry_list_is_newest_first_and_covers_spot_accounts_only_by_default(history):
    entries = list(selectors.entry_list(user=history))
    assert [e.transaction.type for e in entries] == [
        "wallet_withdrawal",
        "internal_transfer",
        "internal_transfer",
        "wallet_deposit",
    ]
    assert all(e.account.kind == "spot" for e in entries)
    assert [e.transaction.type for e in selectors.entry_list(user=history, ascending=True)][0] == (
        "wallet_deposit"
    )


def test_entry_list_filters(history, other_user):
    assert selectors.entry_list(user=other_user).count() == 0
    assert selectors.entry_list(user=history, account="sub2").count() == 2
    assert selectors.entry_list(user=history, account="").count() == 0
    assert (
        selectors.entry_list(user=history, types=[TransactionType.INTERNAL_TRANSFER]).count() == 2
    )
    assert selectors.entry_list(user=history, currency="BTC").count() == 0
    assert (
        selectors.entry_list(user=history, kind="wallet").count() == 4
    )  # 2 credits, 1 deposit, 1 withdrawal
    assert selectors.entry_list(user=history, kind=None).count() == 8
    now = timezone.now()
    assert selectors.entry_list(user=history, date_from=now + timedelta(seconds=1)).count() == 0
    assert selectors.entry_list(user=history, date_to=now - timedelta(days=1)).count() == 0
    first = JournalEntry.objects.order_by("created_at").first()
    assert selectors.entry_list(user=history, kind=None, date_to=first.created_at).count() == 0


def test_funding_list_and_its_filters(history):
    rows = list(selectors.funding_list(user=history))
    assert [r.type for r in rows] == ["wallet_withdrawal", "wallet_deposit"]
    assert [selectors.funding_account_name(r) for r in rows] == ["sub2", "sub1"]
    assert (
        selectors.funding_list(user=history, directions=["deposit"]).get().type == "wallet_deposit"
    )
    assert selectors.funding_list(user=history, account="sub2").get().client_tx_id == "w1"
    assert selectors.funding_list(user=history, currency="BTC").count() == 0
    assert selectors.funding_list(user=history, currency="USD").count() == 2
    assert selectors.funding_list(user=history, tx_id=rows[0].pk).get() == rows[0]
    assert selectors.funding_list(user=history, include_credits=True).count() == 4
    now = timezone.now()
    assert selectors.funding_list(user=history, date_from=now + timedelta(seconds=1)).count() == 0
    assert selectors.funding_list(user=history, date_to=now - timedelta(days=1)).count() == 0
    assert list(selectors.funding_list(user=history, ascending=True))[0].type == "wallet_deposit"
    credit = selectors.funding_list(user=history, include_credits=True, ascending=True).first()
    assert selectors.funding_account_name(credit) is None
