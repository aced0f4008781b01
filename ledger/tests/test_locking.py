"""lock_balances: inside a transaction only, creates missing rows, returns every requested key."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ledger.locking import lock_balances
from ledger.models import Account, AccountKind, Balance
from ledger.services import system_account


@pytest.fixture
def two_accounts(user, currencies):  # type: ignore[no-untyped-def]
    return (
        Account.objects.create(user=user, kind=AccountKind.SPOT, name="a"),
        Account.objects.create(user=user, kind=AccountKind.SPOT, name="b"),
    )


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_a_programming_error(two_accounts):
    a, _ = two_accounts
    with pytest.raises(AssertionError, match="atomic"):
        lock_balances([(a.pk, "USD")])


@pytest.mark.django_db
def test_missing_rows_are_created_at_zero_and_returned_by_key(two_accounts):
    a, b = two_accounts
    with transaction.atomic():
        locked = lock_balances([(b.pk, "USD"), (a.pk, "BTC"), (a.pk, "BTC")])
    assert sorted(locked) == [(a.pk, "BTC"), (b.pk, "USD")]
    assert all(row.total == 0 and row.on_hold == 0 for row in locked.values())
    assert Balance.objects.count() == 2


@pytest.mark.django_db
def test_existing_rows_are_locked_with_one_ordered_query_and_only_those_asked_for(two_accounts):
    a, b = two_accounts
    with transaction.atomic():
        lock_balances([(a.pk, "USD"), (a.pk, "BTC"), (b.pk, "USD"), (b.pk, "BTC")])
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lock_balances([(b.pk, "USD"), (a.pk, "BTC")])
    assert sorted(locked) == [(a.pk, "BTC"), (b.pk, "USD")]
    assert len(queries.captured_queries) == 1  # one ordered lock, no separate existence check
    assert "ORDER BY" in queries.captured_queries[-1]["sql"]


@pytest.mark.django_db
def test_nothing_to_lock_is_no_query(two_accounts):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert lock_balances([]) == {}
    assert not queries.captured_queries


@pytest.mark.django_db
def test_only_the_external_system_account_may_go_negative(user, currencies):
    external = system_account("external")
    fees = system_account("fees")
    wallet = Account.objects.create(user=user, kind=AccountKind.WALLET)
    with transaction.atomic():
        locked = lock_balances([(external.pk, "USD"), (fees.pk, "USD"), (wallet.pk, "USD")])
    assert locked[(external.pk, "USD")].allow_negative is True
    assert locked[(fees.pk, "USD")].allow_negative is False
    assert locked[(wallet.pk, "USD")].allow_negative is False
    assert locked[(wallet.pk, "USD")].available == Decimal(0)
