"""Row locks on balances, always taken in one global order so that concurrent movements cannot deadlock.

Every code path that changes a balance first calls `lock_balances` inside its transaction, with every
(account id, currency code) it will touch, and then works on the returned rows only.
"""

import operator
from collections.abc import Iterable
from functools import reduce

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from ledger.models import SYSTEM_EXTERNAL, Account, AccountKind, Balance

BalanceKey = tuple[int, str]  # (account id, currency code)


def _allow_negative(account_id: int) -> bool:
    return Account.objects.filter(
        pk=account_id, kind=AccountKind.SYSTEM, name=SYSTEM_EXTERNAL
    ).exists()


def _lock_one_creating(key: BalanceKey) -> Balance:
    account_id, currency_id = key
    balance = (
        Balance.objects.select_for_update()
        .filter(account_id=account_id, currency_id=currency_id)
        .first()
    )
    if balance is not None:
        return balance
    try:
        # A savepoint: if another transaction created the row meanwhile, PostgreSQL makes this INSERT wait for
        # it to commit and then fail; the rest of our transaction survives and simply locks that row.
        with transaction.atomic():
            return Balance.objects.create(
                account_id=account_id,
                currency_id=currency_id,
                allow_negative=_allow_negative(account_id),
            )
    except IntegrityError:
        return Balance.objects.select_for_update().get(
            account_id=account_id, currency_id=currency_id
        )


def lock_balances(keys: Iterable[BalanceKey]) -> dict[BalanceKey, Balance]:
    """Lock (SELECT ... FOR UPDATE) the balance rows for `keys`, creating missing ones, and return them by key.

    Must run inside a transaction (asserted). Rows are locked in ascending (account id, currency) order, the
    one order every caller uses, so two transfers in opposite directions wait for each other instead of
    deadlocking. A missing row is created in that same order (a freshly inserted row is locked by its
    inserter), so creating rows cannot break the order either. On SQLite `select_for_update` is a no-op and
    IMMEDIATE transactions serialise writers instead.
    """
    assert connection.in_atomic_block, "lock_balances() must run inside transaction.atomic()"
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    exact = reduce(
        operator.or_,
        (Q(account_id=account_id, currency_id=currency_id) for account_id, currency_id in wanted),
    )
    # Balance rows are never deleted, so once seen they exist: the common case is a single ordered query.
    existing = set(Balance.objects.filter(exact).values_list("account_id", "currency_id"))
    if len(existing) == len(wanted):
        rows = (
            Balance.objects.select_for_update().filter(exact).order_by("account_id", "currency_id")
        )
        return {(row.account_id, row.currency_id): row for row in rows}
    return {key: _lock_one_creating(key) for key in wanted}
