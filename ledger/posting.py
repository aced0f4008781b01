"""The single posting function: the only code that writes journal entries and changes balance totals.

Invariants it enforces before writing anything (after the hordak ledger):
- every leg is a non-zero `Decimal` within the project's precision;
- the legs of a transaction sum to zero per currency (double entry);
- every touched balance was locked by the caller (`ledger.locking.lock_balances`);
- no balance ends below zero (except the "external" system account), and a debit takes only available funds,
  or, when it says so, funds on hold.
Amounts are computed in Python on `Decimal`, then saved with `update_fields`: never SQL arithmetic, which SQLite
would do on floats.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from common.models import concrete_field, quoted_column
from common.money import DECIMAL_PLACES
from ledger import events
from ledger.errors import InsufficientFundsError
from ledger.locking import BalanceKey
from ledger.models import Balance, JournalEntry, JournalTransaction, TransactionType


class LedgerInvariantError(Exception):
    """A programming error: the caller asked for a posting that can never be right. Not a user refusal."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One signed change of one balance total: positive credits the account, negative debits it.

    `from_hold` marks a debit paid out of funds the account holds for an order: `on_hold` falls with `total`.
    """

    account_id: int
    currency_id: str
    amount: Decimal
    from_hold: bool = False

    @property
    def key(self) -> BalanceKey:
        return (self.account_id, self.currency_id)


def check_legs(legs: Sequence[Leg]) -> None:
    """Raise `LedgerInvariantError` unless the legs form a valid double-entry transaction."""
    if not legs:
        raise LedgerInvariantError("a transaction needs at least one leg")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        if not isinstance(leg.amount, Decimal) or not leg.amount.is_finite():
            raise LedgerInvariantError(f"leg amount must be a finite Decimal, got {leg.amount!r}")
        if leg.amount == 0:
            raise LedgerInvariantError("a leg must move a non-zero amount")
        if leg.amount.as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
            raise LedgerInvariantError(
                f"leg amount {leg.amount} has more than {DECIMAL_PLACES} decimals"
            )
        if leg.from_hold and leg.amount > 0:
            raise LedgerInvariantError("only a debit can be paid from funds on hold")
        sums[leg.currency_id] += leg.amount
    unbalanced = {currency: total for currency, total in sums.items() if total != 0}
    if unbalanced:
        raise LedgerInvariantError(f"legs do not sum to zero per currency: {unbalanced}")


def post(
    *,
    balances: Mapping[BalanceKey, Balance],
    type: TransactionType | str,  # noqa: A002 - the journal's own word
    legs: Sequence[Leg],
    user: Any = None,
    client_tx_id: str = "",
    fingerprint: str = "",
    reference: str = "",
    description: str = "",
    details: Mapping[str, Any] | None = None,
) -> JournalTransaction:
    """Write one journal transaction with its entries and apply it to the locked `balances`.

    Call inside the caller's transaction, after `lock_balances` with every leg's key. Raises
    `LedgerInvariantError` for an impossible posting (unbalanced, zero, float, unlocked, hold misuse) and
    `InsufficientFundsError` when a debit exceeds what is available (or on hold, for `from_hold` legs); in
    both cases nothing is written and the balance objects are untouched. Records no activity: the service
    that calls it does. The unique (user, type, client_tx_id) constraint may raise `IntegrityError` for a
    concurrent duplicate; callers that pass a `client_tx_id` run `post` in a savepoint and handle it.
    """
    if not connection.in_atomic_block:
        raise LedgerInvariantError("post() must run inside transaction.atomic()")
    check_legs(legs)
    # Work on copies first so that a refusal leaves the caller's balance objects exactly as they were.
    state: dict[BalanceKey, tuple[Decimal, Decimal]] = {}
    afters: list[Decimal] = []
    for leg in legs:
        balance = balances.get(leg.key)
        if balance is None:
            raise LedgerInvariantError(f"balance {leg.key} was not locked before posting")
        total, on_hold = state.get(leg.key, (balance.total, balance.on_hold))
        if leg.from_hold:
            if on_hold < -leg.amount:
                raise LedgerInvariantError(
                    f"debit {leg.amount} from hold exceeds the {on_hold} on hold in {leg.key}"
                )
            on_hold += leg.amount
        elif leg.amount < 0 and not balance.allow_negative and total - on_hold < -leg.amount:
            raise InsufficientFundsError(
                details={"currency": leg.currency_id, "available": format(total - on_hold, "f")}
            )
        total += leg.amount
        state[leg.key] = (total, on_hold)
        afters.append(total)

    now = timezone.now()
    journal_tx = JournalTransaction.objects.create(
        type=TransactionType(type),
        user=user,
        client_tx_id=client_tx_id,
        fingerprint=fingerprint,
        reference=reference,
        description=description,
        details=dict(details or {}),
        created_at=now,
    )
    changed = []
    for key, (total, on_hold) in state.items():
        balance = balances[key]
        balance.total, balance.on_hold, balance.updated_at = total, on_hold, now
        changed.append(balance)
    _save_balances(changed)
    JournalEntry.objects.bulk_create(
        JournalEntry(
            transaction=journal_tx,
            account_id=leg.account_id,
            currency_id=leg.currency_id,
            amount=leg.amount,
            balance_after=after,
            created_at=now,
        )
        for leg, after in zip(legs, afters, strict=True)
    )
    events.posted(changed, type=type, reference=reference, journal_tx=journal_tx)
    return journal_tx


def _save_balances(rows: list[Balance]) -> None:
    """Write the new totals of the transaction's balance rows (computed above, in Python): one plain UPDATE per
    row, sent together (`executemany`). The ORM's `bulk_update` compiles a CASE per column first, which costs
    more than the statements take to run (profiled: the largest part of a fill's settlement)."""
    fields = [concrete_field(Balance, name) for name in ("total", "on_hold", "updated_at")]
    assignments = ", ".join(f"{quoted_column(Balance, field.name)} = %s" for field in fields)
    sql = (
        f"UPDATE {connection.ops.quote_name(Balance._meta.db_table)} SET {assignments}"  # noqa: S608
        f" WHERE {quoted_column(Balance, 'id')} = %s"
    )
    params = [
        [
            *(field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields),
            row.pk,
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def hold_increase(
    *,
    balances: Mapping[BalanceKey, Balance],
    account_id: int,
    currency_id: str,
    amount: Decimal,
    cause: Any = None,
) -> Balance:
    """Reserve `amount` of the available funds (an order being placed). Moves no money, writes no entry.
    `cause` (the order) names what changed the balance in its after-commit event (`ledger.events`).

    Call after `lock_balances`. Raises `InsufficientFundsError` when `amount` exceeds what is available,
    `LedgerInvariantError` for a non-positive amount or an unlocked balance.
    """
    balance = _locked(balances, account_id, currency_id, amount)
    if balance.available < amount:
        raise InsufficientFundsError(
            details={"currency": currency_id, "available": format(balance.available, "f")}
        )
    balance.on_hold += amount
    balance.save(update_fields=["on_hold", "updated_at"])
    events.balance_changed(balance, action="order", cause=cause)
    return balance


def hold_release(
    *,
    balances: Mapping[BalanceKey, Balance],
    account_id: int,
    currency_id: str,
    amount: Decimal,
    cause: Any = None,
) -> Balance:
    """Give back `amount` of the funds on hold (an order cancelled, or reserved more than it used).

    Call after `lock_balances`. Raises `LedgerInvariantError` when releasing more than is on hold.
    """
    balance = _locked(balances, account_id, currency_id, amount)
    if balance.on_hold < amount:
        raise LedgerInvariantError(f"release {amount} exceeds the {balance.on_hold} on hold")
    balance.on_hold -= amount
    balance.save(update_fields=["on_hold", "updated_at"])
    events.balance_changed(balance, action="order", cause=cause)
    return balance


def _locked(
    balances: Mapping[BalanceKey, Balance], account_id: int, currency_id: str, amount: Decimal
) -> Balance:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise LedgerInvariantError(f"hold amount must be a positive Decimal, got {amount!r}")
    if amount.as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
        raise LedgerInvariantError(f"hold amount {amount} has more than {DECIMAL_PLACES} decimals")
    balance = balances.get((account_id, currency_id))
    if balance is None:
        raise LedgerInvariantError(f"balance {(account_id, currency_id)} was not locked")
    return balance
