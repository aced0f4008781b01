"""Ledger under real concurrency (PostgreSQL only): threads with their own connections hit the same balances.

Invariants, never timings: no balance below zero, exactly the affordable transfers succeed, the sum over every
account (system accounts included) per currency stays zero, opposite transfers neither deadlock nor fail, and
one clientTxId moves money once.
"""

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from activities.actor import Actor
from activities.models import Source
from common.errors import DomainError
from ledger import services
from ledger.models import Balance, DepositAddress, JournalTransaction
from ledger.tests.helpers import balance, currency_sums, make_currencies

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


def run_concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same moment, each in its own thread and connection; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def outcome(result: Any) -> str:
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, Exception):
        return f"crash:{type(result).__name__}:{result}"
    return "ok"


@pytest.fixture
def trader(user):  # type: ignore[no-untyped-def]
    make_currencies()
    services.wallet_credit(
        user=user, currency="USD", amount=Decimal("1000"), actor=Actor(ip=None, source=Source.ADMIN)
    )
    services.account_create(user=user, name="sub1", actor=Actor.system())
    services.account_create(user=user, name="sub2", actor=Actor.system())
    services.transfer_from_wallet(
        user=user, account="sub1", currency="USD", amount=Decimal("255"), actor=Actor.system()
    )
    services.transfer_from_wallet(
        user=user, account="sub2", currency="USD", amount=Decimal("255"), actor=Actor.system()
    )
    return user


def test_concurrent_transfers_asking_for_more_than_the_balance_never_overdraw(trader):
    calls = [
        lambda: services.transfer_internal(
            user=trader,
            from_account="sub1",
            to_account="sub2",
            currency="USD",
            amount=Decimal("10"),
            actor=Actor.system(),
        )
        for _ in range(THREADS)
    ]
    outcomes = Counter(outcome(r) for r in run_concurrently(calls))
    assert outcomes == {"ok": 25, "insufficient_funds": 25}
    assert balance(trader, "sub1", "USD") == (Decimal("5"), 0)
    assert balance(trader, "sub2", "USD") == (Decimal("505"), 0)
    assert currency_sums() == {"USD": Decimal(0)}
    assert not Balance.objects.filter(total__lt=0, allow_negative=False).exists()


def test_opposite_transfers_at_once_neither_deadlock_nor_fail(trader):
    calls = [
        (
            lambda i=i: services.transfer_internal(
                user=trader,
                from_account="sub1" if i % 2 else "sub2",
                to_account="sub2" if i % 2 else "sub1",
                currency="USD",
                amount=Decimal("5"),
                actor=Actor.system(),
            )
        )
        for i in range(THREADS)
    ]
    outcomes = Counter(outcome(r) for r in run_concurrently(calls))
    assert outcomes == {"ok": THREADS}
    assert balance(trader, "sub1", "USD") == (Decimal("255"), 0)
    assert balance(trader, "sub2", "USD") == (Decimal("255"), 0)
    assert currency_sums() == {"USD": Decimal(0)}


def test_concurrent_wallet_deposits_beyond_the_wallet_never_overdraw(trader):
    # 490 USD left in the wallet: 49 deposits of 10 fit, one does not.
    calls = [
        (
            lambda i=i: services.transfer_from_wallet(
                user=trader,
                account="sub1" if i % 2 else "sub2",
                currency="USD",
                amount=Decimal("10"),
                client_tx_id=f"d-{i}",
                actor=Actor.system(),
            )
        )
        for i in range(THREADS)
    ]
    outcomes = Counter(outcome(r) for r in run_concurrently(calls))
    assert outcomes == {"ok": 49, "insufficient_funds": 1}
    assert balance(trader, None, "USD") == (Decimal("0"), 0)
    assert currency_sums() == {"USD": Decimal(0)}


def test_opposite_wallet_transfers_at_once_neither_deadlock_nor_fail(trader):
    calls = [
        (
            lambda i=i: (services.transfer_from_wallet if i % 2 else services.transfer_to_wallet)(
                user=trader,
                account="sub1",
                currency="USD",
                amount=Decimal("5"),
                client_tx_id=f"w-{i}",
                actor=Actor.system(),
            )
        )
        for i in range(THREADS)
    ]
    outcomes = Counter(outcome(r) for r in run_concurrently(calls))
    assert outcomes == {"ok": THREADS}
    assert balance(trader, "sub1", "USD") == (Decimal("255"), 0)
    assert balance(trader, None, "USD") == (Decimal("490"), 0)
    assert currency_sums() == {"USD": Decimal(0)}


def test_one_client_tx_id_sent_many_times_at_once_moves_money_once(trader):
    calls = [
        lambda: services.transfer_internal(
            user=trader,
            from_account="sub1",
            to_account="sub2",
            currency="USD",
            amount=Decimal("7"),
            client_tx_id="same",
            actor=Actor.system(),
        )
        for _ in range(20)
    ]
    results = run_concurrently(calls)
    assert Counter(outcome(r) for r in results) == {"ok": 20}
    assert len({r.transaction_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert JournalTransaction.objects.filter(client_tx_id="same").count() == 1
    assert balance(trader, "sub1", "USD") == (Decimal("248"), 0)


def test_first_time_balances_created_by_many_at_once(user, other_user):
    make_currencies()
    calls = [
        (
            lambda i=i: services.wallet_credit(
                user=user if i % 2 else other_user,
                currency="BTC",
                amount=Decimal("0.1"),
                actor=Actor(ip=None, source=Source.ADMIN),
            )
        )
        for i in range(20)
    ]
    assert Counter(outcome(r) for r in run_concurrently(calls)) == {"ok": 20}
    assert balance(user, None, "BTC") == (Decimal("1.0"), 0)
    assert balance(other_user, None, "BTC") == (Decimal("1.0"), 0)
    assert currency_sums() == {"BTC": Decimal(0)}


def test_concurrent_account_creation_respects_the_limit(user):
    make_currencies()
    calls = [
        (lambda i=i: services.account_create(user=user, name=f"acc{i}", actor=Actor.system()))
        for i in range(12)
    ]
    outcomes = Counter(outcome(r) for r in run_concurrently(calls))
    assert outcomes == {"ok": 4, "account_limit_reached": 8}


def test_concurrent_deposit_address_requests_hand_out_distinct_addresses(user, other_user):
    make_currencies()
    services.deposit_addresses_load(
        currency="BTC", network="bitcoin", addresses=[(f"bc1q{i:04d}", "") for i in range(6)]
    )
    for owner in (user, other_user):
        for name in ("a", "b", "c"):
            services.account_create(user=owner, name=name, actor=Actor.system())
    calls = [
        (
            lambda owner=owner, name=name: services.deposit_address_get(
                user=owner, account=name, currency="BTC", actor=Actor.system()
            )
        )
        for owner in (user, other_user)
        for name in ("a", "b", "c")
        for _ in range(2)  # each account asks twice at once
    ]
    results = run_concurrently(calls)
    assert Counter(outcome(r) for r in results) == {"ok": 12}
    assert len({r.address for r in results}) == 6
    assert DepositAddress.objects.filter(account__isnull=False).count() == 6
