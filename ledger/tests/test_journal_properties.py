"""Property test: whatever sequence of credits and transfers runs (refusals included), every transaction sums to
zero per currency, every balance equals the sum of its entries, and no user balance is negative."""

import contextlib
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.actor import Actor
from activities.models import Source
from common.errors import DomainError
from ledger import services
from ledger.models import Balance, JournalEntry

pytestmark = pytest.mark.django_db

ACCOUNTS = ["a", "b", "c"]
CURRENCIES = ["USD", "BTC"]
amounts = st.decimals(min_value=Decimal("-1"), max_value=Decimal("500"), places=2)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), st.sampled_from(CURRENCIES), amounts),
        st.tuples(
            st.just("deposit"), st.sampled_from(ACCOUNTS), st.sampled_from(CURRENCIES), amounts
        ),
        st.tuples(
            st.just("withdraw"), st.sampled_from(ACCOUNTS), st.sampled_from(CURRENCIES), amounts
        ),
        st.tuples(
            st.just("internal"),
            st.sampled_from(ACCOUNTS),
            st.sampled_from(ACCOUNTS),
            st.sampled_from(CURRENCIES),
            amounts,
            st.sampled_from(["", "x1", "x2"]),
        ),
    ),
    max_size=25,
)


def _run(user, operation) -> None:  # type: ignore[no-untyped-def]
    kind, *args = operation
    if kind == "credit":
        currency, amount = args
        services.wallet_credit(
            user=user, currency=currency, amount=amount, actor=Actor(ip=None, source=Source.ADMIN)
        )
    elif kind == "deposit":
        account, currency, amount = args
        services.transfer_from_wallet(
            user=user, account=account, currency=currency, amount=amount, actor=Actor.system()
        )
    elif kind == "withdraw":
        account, currency, amount = args
        services.transfer_to_wallet(
            user=user, account=account, currency=currency, amount=amount, actor=Actor.system()
        )
    else:
        source, target, currency, amount, client_tx_id = args
        services.transfer_internal(
            user=user,
            from_account=source,
            to_account=target,
            currency=currency,
            amount=amount,
            client_tx_id=client_tx_id,
            actor=Actor.system(),
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_the_journal_stays_balanced_and_matches_the_balances(user, currencies, ops):
    for name in ACCOUNTS:
        services.account_create(user=user, name=name, actor=Actor.system())
    for operation in ops:
        # Refusals are part of the property: they must leave everything consistent.
        with contextlib.suppress(DomainError):
            _run(user, operation)

    per_transaction: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    per_balance: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for tx_id, account_id, currency, amount in JournalEntry.objects.values_list(
        "transaction_id", "account_id", "currency_id", "amount"
    ):
        per_transaction[(tx_id, currency)] += amount
        per_balance[(account_id, currency)] += amount
    assert all(total == 0 for total in per_transaction.values())
    for row in Balance.objects.all():
        assert row.total == per_balance[(row.account_id, row.currency_id)]
        assert row.allow_negative or (row.total >= 0 and 0 <= row.on_hold <= row.total)
    # The last entry of every balance carries its current total.
    for row in Balance.objects.all():
        last = JournalEntry.objects.filter(
            account_id=row.account_id, currency_id=row.currency_id
        ).last()
        assert last is None or last.balance_after == row.total
