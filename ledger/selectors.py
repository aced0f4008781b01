"""Reads: accounts, balances, the transaction history (journal entries) and the funding history."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from accounts.models import User
from ledger.models import (
    MAIN_ACCOUNT,
    Account,
    AccountKind,
    Balance,
    JournalEntry,
    JournalTransaction,
    TransactionType,
)

# Journal types as the protocol's transaction history names them, seen from the spot account.
PROTOCOL_TYPES: dict[str, str] = {
    TransactionType.TRADE: "trade",
    TransactionType.COMMISSION: "commission",
    TransactionType.WALLET_DEPOSIT: "deposit",
    TransactionType.WALLET_WITHDRAWAL: "withdraw",
    TransactionType.INTERNAL_TRANSFER: "internalTransfer",
    TransactionType.EXTERNAL_CREDIT: "deposit",
}
TYPES_BY_PROTOCOL: dict[str, list[str]] = {}
for _type, _name in PROTOCOL_TYPES.items():
    TYPES_BY_PROTOCOL.setdefault(_name, []).append(_type)

FUNDING_TYPES = (TransactionType.WALLET_DEPOSIT, TransactionType.WALLET_WITHDRAWAL)
FUNDING_DIRECTIONS = {
    TransactionType.WALLET_DEPOSIT: "deposit",
    TransactionType.WALLET_WITHDRAWAL: "withdraw",
    TransactionType.EXTERNAL_CREDIT: "deposit",
}


def spot_account_list(*, user: User) -> QuerySet[Account]:
    """The user's spot accounts, main (`""`) first, then by name."""
    return Account.objects.filter(user=user, kind=AccountKind.SPOT).order_by("name")


def spot_balances(
    *,
    user: User,
    currencies: Iterable[str] | None = None,
    account_names: Iterable[str] | None = None,
) -> dict[str, dict[str, Balance]]:
    """Balances per spot account name, then per currency. The main account `""` is always listed (possibly
    empty) unless `account_names` leaves it out; unknown names are left out."""
    names = None if account_names is None else list(account_names)
    result: dict[str, dict[str, Balance]] = {}
    if names is None or MAIN_ACCOUNT in names:
        result[MAIN_ACCOUNT] = {}
    accounts = spot_account_list(user=user)
    if names is not None:
        accounts = accounts.filter(name__in=names)
    for account in accounts:
        result.setdefault(account.name, {})
    balances = Balance.objects.filter(account__user=user, account__kind=AccountKind.SPOT)
    if names is not None:
        balances = balances.filter(account__name__in=names)
    if currencies is not None:
        balances = balances.filter(currency_id__in=list(currencies))
    for balance in balances.select_related("account", "currency").order_by("currency_id"):
        result.setdefault(balance.account.name, {})[balance.currency_id] = balance
    return result


def wallet_balances(*, user: User) -> dict[str, Balance]:
    """The user's wallet balances by currency."""
    rows = Balance.objects.filter(account__user=user, account__kind=AccountKind.WALLET)
    return {row.currency_id: row for row in rows.select_related("currency").order_by("currency_id")}


def entry_list(
    *,
    user: User,
    kind: str | None = AccountKind.SPOT,
    account: str | None = None,
    types: Iterable[str] | None = None,
    currency: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    ascending: bool = False,
) -> QuerySet[JournalEntry]:
    """The user's journal entries (the transaction history), newest first unless `ascending`.

    `kind` narrows to spot or wallet accounts (None = both); `account` to one spot account by name (`""` =
    main); `types` to journal transaction types; `date_from` is inclusive, `date_to` exclusive.
    """
    entries = JournalEntry.objects.filter(account__user=user)
    if kind is not None:
        entries = entries.filter(account__kind=kind)
    if account is not None:
        entries = entries.filter(account__kind=AccountKind.SPOT, account__name=account)
    if types is not None:
        entries = entries.filter(transaction__type__in=list(types))
    if currency:
        entries = entries.filter(currency_id=currency)
    if date_from is not None:
        entries = entries.filter(created_at__gte=date_from)
    if date_to is not None:
        entries = entries.filter(created_at__lt=date_to)
    order = ("created_at", "id") if ascending else ("-created_at", "-id")
    return entries.select_related("transaction", "account").order_by(*order)


def funding_list(
    *,
    user: User,
    account: str | None = None,
    directions: Iterable[str] | None = None,
    currency: str | None = None,
    tx_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    include_credits: bool = False,
    ascending: bool = False,
) -> QuerySet[JournalTransaction]:
    """The user's funding operations: wallet <-> sub-account transfers (and, with `include_credits`, outside
    credits to the wallet). `directions` are "deposit"/"withdraw"; dates as in `entry_list`."""
    types = (
        [*FUNDING_TYPES, TransactionType.EXTERNAL_CREDIT]
        if include_credits
        else list(FUNDING_TYPES)
    )
    if directions is not None:
        wanted = set(directions)
        types = [t for t in types if FUNDING_DIRECTIONS[t] in wanted]
    rows = JournalTransaction.objects.filter(user=user, type__in=types)
    if account is not None:
        rows = rows.filter(entries__account__kind=AccountKind.SPOT, entries__account__name=account)
    if currency:
        rows = rows.filter(entries__currency_id=currency).distinct()
    if tx_id is not None:
        rows = rows.filter(pk=tx_id)
    if date_from is not None:
        rows = rows.filter(created_at__gte=date_from)
    if date_to is not None:
        rows = rows.filter(created_at__lt=date_to)
    order = ("created_at", "id") if ascending else ("-created_at", "-id")
    return rows.order_by(*order)


def funding_account_name(journal_tx: JournalTransaction) -> str | None:
    """The sub-account a funding operation moved money to or from (None for a credit to the wallet)."""
    details = journal_tx.details
    if journal_tx.type == TransactionType.WALLET_WITHDRAWAL:
        return details.get("from_account")
    return details.get("to_account")
