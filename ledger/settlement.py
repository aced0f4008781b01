"""The ledger's API for the trading writer (`trading.persistence`): reserve, release and settle, inside the
matcher batch's own transaction, written at its end.

Usage (all inside the batch's `transaction.atomic()`, after the pairs' locks):

    journal = Journal(read_balances({(buyer_id, "USD"), (seller_id, "BTC"), ...}))  # read, no lock
    journal.hold((account_id, "USD"), cost + fee, cause=order_id)   # placing an order; False: not available
    settle_fill(journal, ..., fees=[Fee(...), ...])                   # a fill
    journal.release((account_id, "USD"), unused, cause=order)         # cancel / leftover
    journal.write()          # locks the changed balances in one ordered call, re-checks, writes in bulk

Holds change `on_hold` only (no journal entry: reserving moves no money). `settle_fill` posts one `trade`
transaction (buyer pays quote and gets base, seller the reverse, both from their holds) and one `commission`
transaction per non-zero fee (the account pays, the "fees" system account receives). The core hands it amounts
already in their currencies' precision (a fill's quote amount cut, fees rounded up: `trading/core/rules.py`);
a quote amount of 0 (a dust fill, worth less than one unit of the quote) moves the base only.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from accounts.models import User
from common.models import quoted_column
from ledger.errors import AccountNotFoundError, BalancesMovedError, InsufficientFundsError
from ledger.locking import BalanceKey, lock_balances, read_balances
from ledger.models import (
    MAIN_ACCOUNT,
    SYSTEM_FEES,
    Account,
    AccountKind,
    Balance,
    TransactionType,
)
from ledger.posting import Journal, Leg
from ledger.services import system_account

# The whole of what the trading writer uses of the ledger (the import map lets trading import this module only).
__all__ = [
    "MAIN_ACCOUNT",
    "AccountNotFoundError",
    "Balance",
    "BalanceKey",
    "BalancesMovedError",
    "Fee",
    "InsufficientFundsError",
    "Journal",
    "fees_account",
    "lock_balances",
    "order_account",
    "order_accounts",
    "read_balances",
    "settle_fill",
]


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee charged to `account_id` in `currency_id`; `from_hold` when it was reserved with the order."""

    account_id: int
    currency_id: str
    amount: Decimal
    from_hold: bool = False


def fees_account() -> Account:
    """The system account fees are paid into."""
    return system_account(SYSTEM_FEES)


def order_account(*, user_id: int, name: str) -> tuple[Account, int | None]:
    """The user's sub-account `name`, and the fees account's id (None until the first fill creates it), in one
    query: what every order needs of the ledger before it locks anything. The account's `user` comes loaded
    with `public_id` (what an order's answer shows) and `verification_level` (what the placement checks) only;
    the rest load on demand.

    Raises `AccountNotFoundError`. Reads only (no lock: the balances are locked later, with the pair held).
    Written out as SQL: on every order, compiling the ORM form (a join and a subquery annotation) costs several
    times what the database takes to run it.
    """
    account, users = Account._meta.db_table, User._meta.db_table
    # Identifiers come from the models' metadata; every value is a parameter.
    sql = (
        f"SELECT a.*, u.{quoted_column(User, 'public_id')} AS user_public_id,"  # noqa: S608
        f" u.{quoted_column(User, 'verification_level')} AS user_level,"
        f" (SELECT f.{quoted_column(Account, 'id')} FROM {account} f WHERE f.{quoted_column(Account, 'user')} IS NULL"
        f" AND f.{quoted_column(Account, 'kind')} = %s AND f.{quoted_column(Account, 'name')} = %s) AS fees_account_id"
        f" FROM {account} a JOIN {users} u ON u.{quoted_column(User, 'id')} = a.{quoted_column(Account, 'user')}"
        f" WHERE a.{quoted_column(Account, 'user')} = %s AND a.{quoted_column(Account, 'kind')} = %s"
        f" AND a.{quoted_column(Account, 'name')} = %s"
    )
    params = [AccountKind.SYSTEM, SYSTEM_FEES, user_id, AccountKind.SPOT, name]
    found = next(iter(Account.objects.raw(sql, params)), None)
    if found is None:
        raise AccountNotFoundError(f"Account {name} does not exist", details={"account": name})
    found.user = User.from_db(
        found._state.db,
        ["id", "public_id", "verification_level"],
        [user_id, found.user_public_id, found.user_level],  # type: ignore[attr-defined]
    )
    return found, found.fees_account_id  # type: ignore[attr-defined]


def order_accounts(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Account]:
    """The spot sub-accounts named by (user id, name), in one query, each with its user loaded: what a matcher
    batch needs of the ledger before it locks anything. Missing ones are absent from the answer."""
    if not keys:
        return {}
    wanted = Q()
    for user_id, name in keys:
        wanted |= Q(user_id=user_id, name=name)
    rows = Account.objects.filter(wanted, kind=AccountKind.SPOT).select_related("user")
    return {(row.user_id, row.name): row for row in rows}  # type: ignore[misc]


def settle_fill(
    journal: Journal,
    *,
    buyer_account_id: int,
    seller_account_id: int,
    base: str,
    quote: str,
    base_amount: Decimal,
    quote_amount: Decimal,
    fees: Sequence[Fee],
    fees_account_id: int,
    at: Any,
    reference: str,
    description: str,
    details: Mapping[str, Any],
) -> None:
    """Settle one fill: a `trade` transaction (the buyer pays `quote_amount` of `quote` from its hold and
    receives `base_amount` of `base`; the seller the reverse) and one `commission` transaction per non-zero fee
    (the account pays, from its hold when `Fee.from_hold`, into the fees account), posted to `journal` and
    written with the batch."""
    legs = [
        Leg(seller_account_id, base, -base_amount, from_hold=True),
        Leg(buyer_account_id, base, base_amount),
    ]
    if quote_amount:  # a dust fill has none (module docstring); a leg never moves 0
        legs[:0] = [
            Leg(buyer_account_id, quote, -quote_amount, from_hold=True),
            Leg(seller_account_id, quote, quote_amount),
        ]
    trade = journal.post(
        type=TransactionType.TRADE,
        legs=legs,
        at=at,
        reference=reference,
        description=description,
        details=details,
    )
    for fee in fees:
        if fee.amount:
            journal.post(
                type=TransactionType.COMMISSION,
                legs=[
                    Leg(fee.account_id, fee.currency_id, -fee.amount, from_hold=fee.from_hold),
                    Leg(fees_account_id, fee.currency_id, fee.amount),
                ],
                at=at,
                reference=reference,
                description=f"Commission for {reference or 'trade'}",
                parent=trade,
            )
