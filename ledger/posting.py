"""Posting: the only code that writes journal entries and changes balances. `post` writes one transaction
at once on locked balances (transfers, deposits, withdrawals); a `Journal` applies many, and holds, in memory
to balances read without a lock, then locks, re-checks and writes them together (the trading matcher's batch).

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from common.models import insert_rows, next_ids, update_rows
from common.money import DECIMAL_PLACES
from ledger import events
from ledger.errors import BalancesMovedError, InsufficientFundsError
from ledger.locking import BalanceKey, lock_balances
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

    def locked(key: BalanceKey) -> Balance:
        balance = balances.get(key)
        if balance is None:
            raise LedgerInvariantError(f"balance {key} was not locked before posting")
        return balance

    state, afters = _legs_applied(legs, locked)

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


def _legs_applied(
    legs: Sequence[Leg], balance_of: Callable[[BalanceKey], Balance]
) -> tuple[dict[BalanceKey, tuple[Decimal, Decimal]], list[Decimal]]:
    """Each touched balance's (total, on_hold) after `legs`, and each leg's total right after it, computed on
    copies (so a refusal leaves the balance objects exactly as they were). Raises `LedgerInvariantError` for a
    debit from hold beyond the hold, `InsufficientFundsError` for a debit beyond the available funds."""
    state: dict[BalanceKey, tuple[Decimal, Decimal]] = {}
    afters: list[Decimal] = []
    for leg in legs:
        balance = balance_of(leg.key)
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
    return state, afters


def _save_balances(rows: list[Balance]) -> None:
    """Write the new totals of the transaction's balance rows (computed above, in Python) with `update_rows`:
    the ORM's `bulk_update` compiled a CASE per column first, which cost more than the statements take to run
    (profiled: the largest part of a fill's settlement)."""
    update_rows(Balance, rows, ("total", "on_hold", "updated_at"))


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


@dataclass(slots=True)
class _Pending:
    """One journal transaction of a `Journal`, written at `Journal.write`."""

    row: JournalTransaction
    legs: Sequence[Leg]
    afters: list[Decimal]
    parent: "_Pending | None" = None  # a commission names its trade's id: written after it


class Journal:
    """Many postings of one transaction (the trading matcher's batch), decided on balances read WITHOUT a lock
    and written together at the end: the balances are locked then, in ONE ascending `lock_balances` call (so
    two matchers that share accounts never deadlock on them), each changed balance is re-checked as its locked
    value plus the batch's changes (never below zero, holds never negative nor above the total), and only then
    are the journal transactions, their entries (one insert each: ids are taken from the sequence first) and
    every changed balance (once, `_save_balances`) written. If a check fails, `BalancesMovedError` is raised and nothing is written:
    the caller runs the work again. Each posting keeps `post()`'s rules against the values read (double entry,
    no overdraft, holds within the hold); a refusal raises and leaves them as they were.

        journal = Journal(read_balances(keys))  # more can be added to `journal.balances` as needed
        journal.hold(key, amount, cause=order)  # False: not available
        trade = journal.post(type=..., legs=[...], reference=..., at=now)
        journal.post(type=COMMISSION, legs=[...], parent=trade, ...)   # details and description name the trade
        journal.write()                        # before commit; the entries carry each leg's balance after it
    """

    def __init__(self, balances: dict[BalanceKey, Balance]) -> None:
        self.balances = balances
        self._pending: list[_Pending] = []
        self._changed: dict[BalanceKey, Balance] = {}
        # Each changed balance's (total, on_hold) as read, before the batch changed it.
        self._read: dict[BalanceKey, tuple[Decimal, Decimal]] = {}

    def available(self, key: BalanceKey) -> Decimal:
        return self._locked(key).available

    def hold(self, key: BalanceKey, amount: Decimal, *, cause: Any = None) -> bool:
        """Reserve `amount` of the available funds; False (nothing changed) when they are not there."""
        balance = _locked(self.balances, *key, amount)
        if balance.available < amount:
            return False
        self._first(key, balance)
        balance.on_hold += amount
        self._touch(key, balance, "order", cause)
        return True

    def release(self, key: BalanceKey, amount: Decimal, *, cause: Any = None) -> None:
        balance = _locked(self.balances, *key, amount)
        if balance.on_hold < amount:
            raise LedgerInvariantError(f"release {amount} exceeds the {balance.on_hold} on hold")
        self._first(key, balance)
        balance.on_hold -= amount
        self._touch(key, balance, "order", cause)

    def post(
        self,
        *,
        type: TransactionType | str,  # noqa: A002 - the journal's own word
        legs: Sequence[Leg],
        at: Any,
        reference: str = "",
        description: str = "",
        details: Mapping[str, Any] | None = None,
        parent: JournalTransaction | None = None,
    ) -> JournalTransaction:
        """Apply one journal transaction now (checked as `post()` does); write it at `write`. Returns its row
        (no id until then)."""
        check_legs(legs)
        state, afters = _legs_applied(legs, self._locked)
        row = JournalTransaction(
            type=TransactionType(type),
            reference=reference,
            description=description,
            details=dict(details or {}),
            created_at=at,
        )
        found = None
        if parent is not None:
            found = next(p for p in reversed(self._pending) if p.row is parent)
        self._pending.append(_Pending(row, legs, afters, found))
        action = events.ACTIONS.get(TransactionType(type), "order")
        cause: Any = reference.removeprefix("order:") if reference.startswith("order:") else row
        for key, (total, on_hold) in state.items():
            balance = self.balances[key]
            self._first(key, balance)
            balance.total, balance.on_hold = total, on_hold
            self._touch(key, balance, action, cause)
        return row

    def write(self) -> None:
        """Lock the changed balances, check and write everything (see the class docstring). Call once, inside
        the transaction. Raises `BalancesMovedError` (nothing written) when a balance moved beyond what the
        batch's changes allow."""
        if not connection.in_atomic_block:
            raise LedgerInvariantError("Journal.write() must run inside transaction.atomic()")
        now = timezone.now()
        locked = lock_balances(self._changed)
        shift: dict[BalanceKey, Decimal] = {}
        for key, balance in self._changed.items():
            fresh = locked[key]
            read_total, read_hold = self._read[key]
            total = fresh.total + (balance.total - read_total)
            on_hold = fresh.on_hold + (balance.on_hold - read_hold)
            if on_hold < 0 or (not fresh.allow_negative and (total < 0 or on_hold > total)):
                raise BalancesMovedError(f"balance {key} moved while the batch decided on it")
            shift[key] = fresh.total - read_total
            # The rows the batch's events hold get the final values (and the id of a row created just now).
            balance.pk, balance.allow_negative = fresh.pk, fresh.allow_negative
            balance.total, balance.on_hold, balance.updated_at = total, on_hold, now
        # The transactions' ids first: a commission's details and description carry its trade's id.
        rows = [pending.row for pending in self._pending]
        for row, row_id in zip(rows, next_ids(JournalTransaction, len(rows)), strict=True):
            row.pk = row_id
        for pending in self._pending:
            if pending.parent is not None:
                trade_id = pending.parent.row.pk
                pending.row.details = {**pending.row.details, "trade_transaction_id": trade_id}
                pending.row.description = f"{pending.row.description} #{trade_id}"
        insert_rows(JournalTransaction, rows)
        insert_rows(
            JournalEntry,
            [
                JournalEntry(
                    transaction=pending.row,
                    account_id=leg.account_id,
                    currency_id=leg.currency_id,
                    amount=leg.amount,
                    balance_after=after + shift.get(leg.key, Decimal(0)),
                    created_at=pending.row.created_at,
                )
                for pending in self._pending
                for leg, after in zip(pending.legs, pending.afters, strict=True)
            ],
        )
        _save_balances([balance for _, balance in sorted(self._changed.items())])
        self._pending.clear()
        self._changed.clear()
        self._read.clear()

    def _first(self, key: BalanceKey, balance: Balance) -> None:
        if key not in self._read:
            self._read[key] = (balance.total, balance.on_hold)

    def _locked(self, key: BalanceKey) -> Balance:
        balance = self.balances.get(key)
        if balance is None:
            raise LedgerInvariantError(f"balance {key} was not locked")
        return balance

    def _touch(self, key: BalanceKey, balance: Balance, action: str, cause: Any) -> None:
        self._changed[key] = balance
        events.balance_changed(balance, action=action, cause=cause)
