"""The trading engine's API: reserve with holds, settle fills from held funds, fees into the fees account."""

from decimal import Decimal

import pytest
from django.db import transaction

from activities.actor import Actor
from activities.models import Source
from ledger.errors import InsufficientFundsError
from ledger.locking import lock_balances
from ledger.models import JournalTransaction, TransactionType
from ledger.posting import LedgerInvariantError
from ledger.services import account_create, transfer_from_wallet, wallet_credit
from ledger.settlement import Fee, fees_account, hold_increase, trade_settle
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


def test_a_fill_moves_held_funds_and_charges_fees(user, other_user, traders):
    buyer, seller = traders
    fees = fees_account()
    with transaction.atomic():
        balances = _lock(buyer, seller)
        hold_increase(
            balances=balances, account_id=buyer.pk, currency_id="USD", amount=Decimal("601")
        )
        hold_increase(
            balances=balances, account_id=seller.pk, currency_id="BTC", amount=Decimal("0.01")
        )
        settlement = trade_settle(
            balances=balances,
            buyer_account_id=buyer.pk,
            seller_account_id=seller.pk,
            base="BTC",
            quote="USD",
            base_amount=Decimal("0.01"),
            quote_amount=Decimal("600"),
            fees=[
                Fee(buyer.pk, "USD", Decimal("1"), from_hold=True),
                Fee(seller.pk, "USD", Decimal("1.5")),
                Fee(seller.pk, "BTC", Decimal("0")),
            ],
            fees_account_id=fees.pk,
            reference="order:7",
        )
    assert settlement.trade.type == TransactionType.TRADE
    assert [c.type for c in settlement.commissions] == ["commission", "commission"]
    assert balance(user, "buy", "USD") == (Decimal("399"), Decimal("0"))
    assert balance(user, "buy", "BTC") == (Decimal("0.01"), 0)
    assert balance(other_user, "sell", "USD") == (Decimal("598.5"), 0)
    assert balance(other_user, "sell", "BTC") == (Decimal("0.99"), Decimal("0"))
    assert fees.balances.get(currency_id="USD").total == Decimal("2.5")
    assert all(total == 0 for total in currency_sums().values())


def test_a_refused_fee_leaves_nothing_of_the_fill(traders):
    buyer, seller = traders
    with transaction.atomic():
        balances = _lock(buyer, seller)
        before = snapshot()  # after the lock, which creates the zero rows the fill will touch
        with pytest.raises(InsufficientFundsError):
            trade_settle(
                balances=balances,
                buyer_account_id=buyer.pk,
                seller_account_id=seller.pk,
                base="BTC",
                quote="USD",
                base_amount=Decimal("0.5"),
                quote_amount=Decimal("1000"),
                fees=[Fee(buyer.pk, "USD", Decimal("1"))],  # nothing left to pay it with
                fees_account_id=fees_account().pk,
                buyer_from_hold=False,
                seller_from_hold=False,
            )
        assert balances[(buyer.pk, "USD")].total == Decimal("1000")
    assert snapshot() == before
    assert not JournalTransaction.objects.filter(type__in=["trade", "commission"]).exists()


def test_fees_need_the_fees_account(traders):
    buyer, seller = traders
    with transaction.atomic():
        balances = _lock(buyer, seller)
        with pytest.raises(LedgerInvariantError, match="fees_account_id"):
            trade_settle(
                balances=balances,
                buyer_account_id=buyer.pk,
                seller_account_id=seller.pk,
                base="BTC",
                quote="USD",
                base_amount=Decimal("0.1"),
                quote_amount=Decimal("10"),
                fees=[Fee(seller.pk, "USD", Decimal("0.1"))],
                buyer_from_hold=False,
                seller_from_hold=False,
            )
