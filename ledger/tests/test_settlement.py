"""The trading writer's API: a batch's journal reserves with holds, settles fills from held funds and charges
fees into the fees account, then writes it all at once."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from activities.actor import Actor
from activities.models import Source
from ledger.errors import InsufficientFundsError
from ledger.locking import lock_balances
from ledger.models import JournalEntry, JournalTransaction, TransactionType
from ledger.posting import LedgerInvariantError, Leg
from ledger.services import account_create, transfer_from_wallet, wallet_credit
from ledger.settlement import Fee, Journal, fees_account, settle_fill
from ledger.tests.helpers import balance, currency_sums, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def traders(user, other_user, currencies):  # type: ignore[no-untyped-def]
    """`user` (buyer) holds 1000 USD in "buy"; `other_user` (seller) holds 1 BTC in "sell"."""
    wallet_credit(
        user=user, currency="USD", amount=Decimal("1000"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    wallet_credit(
        user=other_user,
        currency="BTC",
        amount=Decimal("1"),
        actor=Actor(ip=None, source=Source.ADMIN),
    )
    buyer = account_create(user=user, name="buy", actor=Actor.system()).account
    seller = account_create(user=other_user, name="sell", actor=Actor.system()).account
    transfer_from_wallet(
        user=user, account="buy", currency="USD", amount=Decimal("1000"), actor=Actor.system()
    )
    transfer_from_wallet(
        user=other_user, account="sell", currency="BTC", amount=Decimal("1"), actor=Actor.system()
    )
    return buyer, seller


def _lock(buyer, seller):  # type: ignore[no-untyped-def]
    fees = fees_account().pk
    keys = [(account, code) for account in (buyer.pk, seller.pk, fees) for code in ("BTC", "USD")]
    return lock_balances(keys)


def _fill(journal, buyer, seller, *, base_amount, quote_amount, fees):  # type: ignore[no-untyped-def]
    settle_fill(
        journal,
        buyer_account_id=buyer.pk,
        seller_account_id=seller.pk,
        base="BTC",
        quote="USD",
        base_amount=Decimal(base_amount),
        quote_amount=Decimal(quote_amount),
        fees=fees,
        fees_account_id=fees_account().pk,
        at=timezone.now(),
        reference="order:7",
        description="Trade BTC-USD",
        details={"price": "60000"},
    )


def test_a_fill_moves_held_funds_and_charges_fees(user, other_user, traders):
    buyer, seller = traders
    fees = fees_account()
    with transaction.atomic():
        journal = Journal(_lock(buyer, seller))
        assert journal.hold((buyer.pk, "USD"), Decimal("601"), cause=7)
        assert journal.hold((seller.pk, "BTC"), Decimal("0.01"), cause=8)
        _fill(
            journal,
            buyer,
            seller,
            base_amount="0.01",
            quote_amount="600",
            fees=[
                Fee(buyer.pk, "USD", Decimal("1"), from_hold=True),
                Fee(seller.pk, "USD", Decimal("1.5")),
                Fee(seller.pk, "BTC", Decimal("0")),
            ],
        )
        assert not JournalTransaction.objects.filter(type="trade").exists()  # written at `write`
        journal.write()
    trade = JournalTransaction.objects.get(type=TransactionType.TRADE)
    commissions = JournalTransaction.objects.filter(type=TransactionType.COMMISSION).order_by("id")
    assert [c.details for c in commissions] == [{"trade_transaction_id": trade.pk}] * 2
    assert all(c.description.endswith(f"#{trade.pk}") for c in commissions)
    assert balance(user, "buy", "USD") == (Decimal("399"), Decimal("0"))
    assert balance(user, "buy", "BTC") == (Decimal("0.01"), 0)
    assert balance(other_user, "sell", "USD") == (Decimal("598.5"), 0)
    assert balance(other_user, "sell", "BTC") == (Decimal("0.99"), Decimal("0"))
    assert fees.balances.get(currency_id="USD").total == Decimal("2.5")
    # Each entry carries its balance's total right after it, in posting order.
    seller_usd = JournalEntry.objects.filter(account=seller, currency_id="USD").order_by("id")
    assert [e.balance_after for e in seller_usd] == [Decimal("600"), Decimal("598.5")]
    assert all(total == 0 for total in currency_sums().values())


def test_a_hold_beyond_the_available_funds_is_refused_and_changes_nothing(traders):
    buyer, seller = traders
    with transaction.atomic():
        journal = Journal(_lock(buyer, seller))
        assert journal.hold((buyer.pk, "USD"), Decimal("1000.01")) is False
        assert journal.hold((buyer.pk, "USD"), Decimal("1000")) is True
        assert journal.available((buyer.pk, "USD")) == 0
        with pytest.raises(LedgerInvariantError, match="exceeds"):
            journal.release((buyer.pk, "USD"), Decimal("1000.01"))
        journal.write()
    assert balance(buyer.user, "buy", "USD") == (Decimal("1000"), Decimal("1000"))


def test_a_refused_fee_leaves_nothing_of_the_fill(traders):
    buyer, seller = traders
    with transaction.atomic():
        journal = Journal(_lock(buyer, seller))
        before = snapshot()  # after the lock, which creates the zero rows the fill will touch
        with pytest.raises(InsufficientFundsError):
            journal.post(
                type=TransactionType.COMMISSION,
                legs=[
                    Leg(seller.pk, "USD", Decimal("-1")),  # nothing there to pay it with
                    Leg(fees_account().pk, "USD", Decimal("1")),
                ],
                at=timezone.now(),
            )
        journal.write()
        assert journal.balances[(seller.pk, "USD")].total == Decimal("0")
    assert snapshot() == before
    assert not JournalTransaction.objects.filter(type__in=["trade", "commission"]).exists()


def test_a_journal_posts_only_to_locked_balances(traders):
    buyer, seller = traders
    with transaction.atomic():
        journal = Journal({})
        with pytest.raises(LedgerInvariantError, match="not locked"):
            _fill(journal, buyer, seller, base_amount="0.1", quote_amount="10", fees=[])
