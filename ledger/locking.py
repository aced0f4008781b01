"""Row locks on balances, always taken in one global order so that concurrent movements cannot deadlock.

Every code path that changes a balance first calls `lock_balances` inside its transaction, with every
(account id, currency code) it will touch, and then works on the returned rows only.
"""

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction

from common.models import quoted_column, select_rows
from ledger.models import SYSTEM_EXTERNAL, Account, AccountKind, Balance

BalanceKey = tuple[int, str]  # (account id, currency code)
_KEY_FIELDS = ("account", "currency")


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
    # Balance rows are never deleted, so once seen they exist: the common case is this one ordered locking
    # query (lock first, create only on a miss, rather than a separate existence check before it). Written
    # out as SQL: every order runs it, and compiling its ORM form (one OR branch per key) costs more than
    # the database takes to run it. Identifiers come from the model; every value is a parameter.
    account, currency = (quoted_column(Balance, name) for name in _KEY_FIELDS)
    pairs = ", ".join(["(%s, %s)"] * len(wanted))
    clauses = f"WHERE ({account}, {currency}) IN ({pairs}) ORDER BY {account}, {currency}"
    # SQLite has no row locks: its IMMEDIATE transactions serialise writers.
    if connection.features.has_select_for_update:
        clauses += " FOR UPDATE"
    rows = select_rows(Balance, clauses, [value for key in wanted for value in key])
    locked = {(row.account_id, row.currency_id): row for row in rows}
    if len(locked) == len(wanted):
        return locked
    # A miss (first use of an account/currency): create the missing rows in the global order, keeping the
    # rows locked above. Holding those while inserting cannot deadlock: another transaction that needs any of
    # them waits in its own first query, before it inserts anything; one that inserted the same missing row
    # first holds no row we hold and takes no further balance lock (one `lock_balances` call per
    # transaction), so it commits and our insert then fails over to locking its row.
    return {key: locked.get(key) or _lock_one_creating(key) for key in wanted}


def read_balances(keys: Iterable[BalanceKey]) -> dict[BalanceKey, Balance]:
    """The balance rows for `keys` as they are now, WITHOUT a lock (one query); a missing row comes back as an
    unsaved zero row. For a writer that decides on them and locks them only when it writes (`posting.Journal`):
    it must then check its changes against the rows it locks."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    account, currency = (quoted_column(Balance, name) for name in _KEY_FIELDS)
    pairs = ", ".join(["(%s, %s)"] * len(wanted))
    clauses = f"WHERE ({account}, {currency}) IN ({pairs})"
    rows = select_rows(Balance, clauses, [value for key in wanted for value in key])
    found = {(row.account_id, row.currency_id): row for row in rows}
    return {key: found.get(key) or Balance(account_id=key[0], currency_id=key[1]) for key in wanted}
