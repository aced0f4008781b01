"""The ledger's API for the trading engine: reserve, release and settle, inside the engine's own transaction.

Usage (all inside the caller's `transaction.atomic()`, after the per-pair lock):

    balances = lock_balances({(buyer_id, "BTC"), (buyer_id, "USD"), (seller_id, "BTC"), ...})
                                               # every balance the work touches: one ordered lock
    hold_increase(balances=balances, account_id=..., currency_id="USD", amount=cost + fee)  # placing an order
    settlement = trade_settle(balances=balances, ..., fees=[Fee(...), ...])             # a fill
    hold_release(balances=balances, account_id=..., currency_id="USD", amount=unused)   # cancel / leftover

`hold_increase` / `hold_release` change `on_hold` only (no journal entry: reserving moves no money).
`trade_settle` writes one `trade` transaction (buyer pays quote and gets base, seller the reverse) and one
`commission` transaction per non-zero fee (the account pays, the "fees" system account receives). The engine
hands it amounts already in their currencies' precision (a fill's quote amount cut, fees rounded up: see
`trading/engine.py`); a quote amount of 0 (a dust fill, worth less than one unit of the quote) moves the base only.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.models import User
from common.models import quoted_column
from ledger.errors import AccountNotFoundError, InsufficientFundsError
from ledger.locking import BalanceKey, lock_balances
from ledger.models import (
    MAIN_ACCOUNT,
    SYSTEM_FEES,
    Account,
    AccountKind,
    Balance,
    JournalTransaction,
    TransactionType,
)
from ledger.posting import LedgerInvariantError, Leg, hold_increase, hold_release, post
from ledger.services import system_account

# The whole of what the trading engine uses of the ledger (the import map lets trading import this module only).
__all__ = [
    "MAIN_ACCOUNT",
    "Balance",
    "BalanceKey",
    "Fee",
    "InsufficientFundsError",
    "TradeSettlement",
    "fees_account",
    "hold_increase",
    "hold_release",
    "lock_balances",
    "order_account",
    "trade_settle",
]


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee charged to `account_id` in `currency_id`; `from_hold` when it was reserved with the order."""

    account_id: int
    currency_id: str
    amount: Decimal
    from_hold: bool = False


@dataclass(frozen=True, slots=True)
class TradeSettlement:
    trade: JournalTransaction
    commissions: tuple[JournalTransaction, ...]


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


def trade_settle(
    *,
    balances: Mapping[BalanceKey, Balance],
    buyer_account_id: int,
    seller_account_id: int,
    base: str,
    quote: str,
    base_amount: Decimal,
    quote_amount: Decimal,
    fees: Sequence[Fee] = (),
    fees_account_id: int | None = None,
    buyer_from_hold: bool = True,
    seller_from_hold: bool = True,
    reference: str = "",
    description: str = "",
    details: Mapping[str, Any] | None = None,
    savepoint: bool = True,
) -> TradeSettlement:
    """Settle one fill: the buyer pays `quote_amount` of `quote` and receives `base_amount` of `base`; the
    seller the reverse; then each fee moves from its account to the fees account.

    `*_from_hold` says whether the paying side's debit consumes funds it had on hold (a resting or reserved
    order, the normal case) or available funds. Call after `lock_balances` with `trade_balance_keys(...)`.
    Raises `InsufficientFundsError` (nothing is written) and `LedgerInvariantError` (programming errors:
    unlocked balances, amounts that are not positive Decimals, more taken from hold than is on hold).
    Records no activity; the engine records `order.filled`. On any error nothing of the fill is written and
    the `balances` objects are reloaded from the database. `savepoint=False` (a caller that rolls its whole
    transaction back on any error, as the trading engine does) spares the savepoint's two round trips; an
    error then leaves the caller's transaction to be rolled back, and the `balances` objects as they are.
    """
    if not savepoint:
        return _settle(
            balances=balances,
            buyer_account_id=buyer_account_id,
            seller_account_id=seller_account_id,
            base=base,
            quote=quote,
            base_amount=base_amount,
            quote_amount=quote_amount,
            fees=fees,
            fees_account_id=fees_account_id,
            buyer_from_hold=buyer_from_hold,
            seller_from_hold=seller_from_hold,
            reference=reference,
            description=description,
            details=details,
        )
    try:
        # One savepoint around both postings, so a refused fee cannot leave the trade half-written.
        with transaction.atomic():
            return _settle(
                balances=balances,
                buyer_account_id=buyer_account_id,
                seller_account_id=seller_account_id,
                base=base,
                quote=quote,
                base_amount=base_amount,
                quote_amount=quote_amount,
                fees=fees,
                fees_account_id=fees_account_id,
                buyer_from_hold=buyer_from_hold,
                seller_from_hold=seller_from_hold,
                reference=reference,
                description=description,
                details=details,
            )
    except Exception:
        # The rollback restored the rows; bring the caller's objects back in line with them.
        for balance in balances.values():
            balance.refresh_from_db(fields=["total", "on_hold"])
        raise


def _settle(
    *,
    balances: Mapping[BalanceKey, Balance],
    buyer_account_id: int,
    seller_account_id: int,
    base: str,
    quote: str,
    base_amount: Decimal,
    quote_amount: Decimal,
    fees: Sequence[Fee],
    fees_account_id: int | None,
    buyer_from_hold: bool,
    seller_from_hold: bool,
    reference: str,
    description: str,
    details: Mapping[str, Any] | None,
) -> TradeSettlement:
    legs = [
        Leg(seller_account_id, base, -base_amount, from_hold=seller_from_hold),
        Leg(buyer_account_id, base, base_amount),
    ]
    if quote_amount:  # a dust fill has none (module docstring); a leg never moves 0
        legs[:0] = [
            Leg(buyer_account_id, quote, -quote_amount, from_hold=buyer_from_hold),
            Leg(seller_account_id, quote, quote_amount),
        ]
    trade = post(
        balances=balances,
        type=TransactionType.TRADE,
        legs=legs,
        reference=reference,
        description=description
        or f"Trade {format(base_amount, 'f')} {base} for {format(quote_amount, 'f')} {quote}",
        details=details,
    )
    commissions = []
    for fee in fees:
        if fee.amount == 0:
            continue
        if fees_account_id is None:
            raise LedgerInvariantError("fees need fees_account_id")
        commissions.append(
            post(
                balances=balances,
                type=TransactionType.COMMISSION,
                legs=[
                    Leg(fee.account_id, fee.currency_id, -fee.amount, from_hold=fee.from_hold),
                    Leg(fees_account_id, fee.currency_id, fee.amount),
                ],
                reference=reference,
                description=f"Commission for {reference or 'trade'} #{trade.pk}",
                details={"trade_transaction_id": trade.pk},
            )
        )
    return TradeSettlement(trade=trade, commissions=tuple(commissions))
