"""Money is exact on every database: after the demo market maker has traded a few hundred times, every balance
equals the sum of its journal entries to the last digit, and every entry's running balance is exact. On SQLite
(the embedded default) this is what `AmountField`'s storage guarantees; PostgreSQL's NUMERIC always did."""

import io
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from common.money import MAX_AMOUNT
from conditions.tests.factories import CurrencyFactory
from demo import market, market_maker
from ledger.models import Account, AccountKind, Balance, JournalEntry

pytestmark = pytest.mark.django_db

TRADES = 200


def test_balances_equal_their_journal_to_the_last_digit_after_hundreds_of_demo_trades(db):
    market.seed(io.StringIO())
    rng = random.Random(15)
    trades = 0
    while trades < TRADES:
        trades += market_maker.run(
            iterations=1,
            interval=0,
            trade_probability=1.0,
            rng=rng,
            stdout=io.StringIO(),
            sleep=lambda _: None,
        )

    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for entry in JournalEntry.objects.order_by("id"):
        sums[entry.account_id, entry.currency_id] += entry.amount
        assert entry.balance_after == sums[entry.account_id, entry.currency_id], entry.pk
    balances = {(b.account_id, b.currency_id): b.total for b in Balance.objects.all()}
    assert trades >= TRADES
    assert {key: total for key, total in balances.items() if total or key in sums} == dict(sums)


def test_the_largest_amounts_round_trip_exactly(db):
    account = Account.objects.create(kind=AccountKind.SYSTEM, name="probe")
    currency = CurrencyFactory(code="BIG", name="Big")
    for value in [MAX_AMOUNT, Decimal("4993267.326453854"), Decimal("0.000000000001")]:
        row = Balance.objects.create(account=account, currency=currency, total=value)
        row.refresh_from_db()
        assert row.total == value
        assert Balance.objects.filter(pk=row.pk, total=value).exists()
        row.delete()


@pytest.mark.parametrize(
    ("low", "high"),
    [("-5", "-0.000000000001"), ("-0.000000000001", "0"), ("0", "0.000000000001"), ("9.99", "10")],
)
def test_amounts_compare_and_sort_in_sql_as_numbers(db, low, high):
    account = Account.objects.create(kind=AccountKind.SYSTEM, name="probe")
    ids = [
        Balance.objects.create(
            account=account,
            currency=CurrencyFactory(code=code, name=code),
            total=Decimal(v),
            allow_negative=True,
        ).pk
        for code, v in (("LO", low), ("HI", high))
    ]
    rows = Balance.objects.filter(pk__in=ids)
    assert [b.total for b in rows.order_by("total")] == [Decimal(low), Decimal(high)]
    assert list(rows.filter(total__lt=Decimal(high)).values_list("total", flat=True)) == [
        Decimal(low)
    ]
