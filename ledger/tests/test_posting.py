"""The single posting function: double entry, locked balances only, no overdraft, holds."""

from decimal import Decimal

import pytest
from django.db import transaction

from ledger.errors import InsufficientFundsError
from ledger.locking import lock_balances
from ledger.models import Account, AccountKind, JournalEntry, JournalTransaction, TransactionType
from ledger.posting import Journal, LedgerInvariantError, Leg, check_legs, post
from ledger.services import system_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(user, other_user, currencies):  # type: ignore[no-untyped-def]
    a = Account.objects.create(user=user, kind=AccountKind.SPOT, name="a")
    b = Account.objects.create(user=other_user, kind=AccountKind.SPOT, name="b")
    external = system_account("external")
    return a, b, external


def _fund(account: Account, external: Account, amount: str, currency: str = "USD") -> None:
    with transaction.atomic():
        balances = lock_balances([(account.pk, currency), (external.pk, currency)])
        post(
            balances=balances,
            type=TransactionType.EXTERNAL_CREDIT,
            legs=[
                Leg(external.pk, currency, -Decimal(amount)),
                Leg(account.pk, currency, Decimal(amount)),
            ],
        )


def test_a_balanced_posting_moves_money_and_writes_entries_with_balance_after(accounts):
    a, b, external = accounts
    _fund(a, external, "100")
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD"), (b.pk, "USD")])
        journal_tx = post(
            balances=balances,
            type=TransactionType.INTERNAL_TRANSFER,
            legs=[Leg(a.pk, "USD", Decimal("-30.5")), Leg(b.pk, "USD", Decimal("30.5"))],
            client_tx_id="c1",
            fingerprint="f",
            reference="ref",
            description="desc",
            details={"k": "v"},
        )
    entries = list(
        journal_tx.entries.order_by("id").values_list("account_id", "amount", "balance_after")
    )
    assert entries == [
        (a.pk, Decimal("-30.5"), Decimal("69.5")),
        (b.pk, Decimal("30.5"), Decimal("30.5")),
    ]
    assert journal_tx.details == {"k": "v"}
    assert a.balances.get().total == Decimal("69.5")
    assert b.balances.get().total == Decimal("30.5")


def test_the_external_account_may_go_negative_and_others_sum_to_it(accounts):
    a, _, external = accounts
    _fund(a, external, "100")
    assert external.balances.get().total == Decimal("-100")
    assert a.balances.get().total == Decimal("100")


def test_several_legs_on_one_balance_accumulate(accounts):
    a, b, external = accounts
    _fund(a, external, "10")
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD"), (b.pk, "USD")])
        post(
            balances=balances,
            type=TransactionType.TRADE,
            legs=[
                Leg(a.pk, "USD", Decimal("-4")),
                Leg(a.pk, "USD", Decimal("-6")),
                Leg(b.pk, "USD", Decimal("10")),
            ],
        )
    afters = list(
        JournalEntry.objects.filter(account=a)
        .order_by("id")
        .values_list("balance_after", flat=True)
    )
    assert afters == [Decimal("10"), Decimal("6"), Decimal("0")]
    assert a.balances.get().total == 0


def test_overdraft_is_refused_and_nothing_is_written(accounts):
    a, b, external = accounts
    _fund(a, external, "10")
    before = JournalTransaction.objects.count()
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD"), (b.pk, "USD")])
        with pytest.raises(InsufficientFundsError):
            post(
                balances=balances,
                type=TransactionType.INTERNAL_TRANSFER,
                legs=[Leg(a.pk, "USD", Decimal("-10.01")), Leg(b.pk, "USD", Decimal("10.01"))],
            )
        assert balances[(a.pk, "USD")].total == Decimal("10")
    assert JournalTransaction.objects.count() == before
    assert a.balances.get().total == Decimal("10")


def test_funds_on_hold_are_not_available_for_a_plain_debit(accounts):
    a, b, external = accounts
    _fund(a, external, "10")
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD"), (b.pk, "USD")])
        assert Journal(balances).hold((a.pk, "USD"), Decimal("4"))
        with pytest.raises(InsufficientFundsError):
            post(
                balances=balances,
                type=TransactionType.INTERNAL_TRANSFER,
                legs=[Leg(a.pk, "USD", Decimal("-7")), Leg(b.pk, "USD", Decimal("7"))],
            )


def test_a_debit_from_hold_takes_held_funds(accounts):
    a, b, external = accounts
    _fund(a, external, "10")
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD"), (b.pk, "USD")])
        assert Journal(balances).hold((a.pk, "USD"), Decimal("4"))
        post(
            balances=balances,
            type=TransactionType.TRADE,
            legs=[Leg(a.pk, "USD", Decimal("-3"), from_hold=True), Leg(b.pk, "USD", Decimal("3"))],
        )
    row = a.balances.get()
    assert (row.total, row.on_hold, row.available) == (Decimal("7"), Decimal("1"), Decimal("6"))


def test_a_debit_from_hold_beyond_the_hold_is_a_programming_error(accounts):
    a, b, external = accounts
    _fund(a, external, "10")
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD"), (b.pk, "USD")])
        assert Journal(balances).hold((a.pk, "USD"), Decimal("1"))
        with pytest.raises(LedgerInvariantError, match="exceeds"):
            post(
                balances=balances,
                type=TransactionType.TRADE,
                legs=[
                    Leg(a.pk, "USD", Decimal("-2"), from_hold=True),
                    Leg(b.pk, "USD", Decimal("2")),
                ],
            )


def test_posting_to_a_balance_that_was_not_locked_is_refused(accounts):
    a, b, _ = accounts
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD")])
        with pytest.raises(LedgerInvariantError, match="not locked"):
            post(
                balances=balances,
                type=TransactionType.INTERNAL_TRANSFER,
                legs=[Leg(b.pk, "USD", Decimal("1")), Leg(a.pk, "USD", Decimal("-1"))],
            )


@pytest.mark.django_db(transaction=True)
def test_posting_outside_a_transaction_is_refused(accounts):
    a, b, _ = accounts
    with pytest.raises(LedgerInvariantError, match="atomic"):
        post(balances={}, type=TransactionType.TRADE, legs=[Leg(a.pk, "USD", Decimal("1"))])


@pytest.mark.parametrize(
    ("legs", "problem"),
    [
        ([], "at least one leg"),
        ([Leg(1, "USD", 1.5), Leg(2, "USD", -1.5)], "finite Decimal"),  # type: ignore[arg-type]
        ([Leg(1, "USD", Decimal("NaN"))], "finite Decimal"),
        ([Leg(1, "USD", Decimal("0")), Leg(2, "USD", Decimal("0"))], "non-zero"),
        ([Leg(1, "USD", Decimal("1E-13")), Leg(2, "USD", Decimal("-1E-13"))], "decimals"),
        ([Leg(1, "USD", Decimal("1"), from_hold=True), Leg(2, "USD", Decimal("-1"))], "debit"),
        ([Leg(1, "USD", Decimal("1")), Leg(2, "USD", Decimal("-0.99"))], "sum to zero"),
        ([Leg(1, "USD", Decimal("1")), Leg(2, "BTC", Decimal("-1"))], "sum to zero"),
    ],
)
def test_legs_that_do_not_form_a_double_entry_are_refused(legs, problem):
    with pytest.raises(LedgerInvariantError, match=problem):
        check_legs(legs)


def test_a_hold_beyond_available_is_refused(accounts):
    a, _, external = accounts
    _fund(a, external, "5")
    with transaction.atomic():
        journal = Journal(lock_balances([(a.pk, "USD")]))
        assert journal.hold((a.pk, "USD"), Decimal("5.01")) is False
        journal.write()
    assert a.balances.get().on_hold == 0


def test_a_release_gives_back_held_funds_and_refuses_more_than_held(accounts):
    a, _, external = accounts
    _fund(a, external, "5")
    with transaction.atomic():
        journal = Journal(lock_balances([(a.pk, "USD")]))
        assert journal.hold((a.pk, "USD"), Decimal("3"))
        journal.release((a.pk, "USD"), Decimal("2"))
        with pytest.raises(LedgerInvariantError, match="exceeds"):
            journal.release((a.pk, "USD"), Decimal("2"))
        journal.write()
    row = a.balances.get()
    assert (row.total, row.on_hold) == (Decimal("5"), Decimal("1"))


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (Decimal("0"), "positive"),
        (Decimal("-1"), "positive"),
        (Decimal("Infinity"), "positive"),
        (1, "positive"),
        (Decimal("1E-13"), "decimals"),
    ],
)
def test_hold_amounts_must_be_positive_decimals(accounts, amount, problem):
    a, _, _ = accounts
    with transaction.atomic():
        balances = lock_balances([(a.pk, "USD")])
        with pytest.raises(LedgerInvariantError, match=problem):
            Journal(balances).hold((a.pk, "USD"), amount)


def test_holds_need_a_locked_balance(accounts):
    a, _, _ = accounts
    with transaction.atomic(), pytest.raises(LedgerInvariantError, match="not locked"):
        Journal({}).release((a.pk, "USD"), Decimal("1"))


def test_leg_key_is_account_and_currency():
    assert Leg(3, "BTC", Decimal("1")).key == (3, "BTC")
