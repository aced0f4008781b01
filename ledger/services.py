"""Ledger workflows: accounts, transfers, outside credits and deposit addresses.

Entry points are durable transactions: they lock the balance rows they touch (`ledger.locking`), post one
journal transaction (`ledger.posting.post`) and record their activity row inside the same transaction, so a
rollback takes the row with it. The trading engine does not call these: it uses `ledger.settlement` inside its
own transaction.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.levels import level_require
from accounts.models import User
from activities.actor import Actor
from activities.models import ActivityType
from activities.services import record
from common.money import places_of
from conditions.models import Currency, Network
from ledger.errors import (
    AccountLimitError,
    AccountNotFoundError,
    AmountNotPositiveError,
    AmountPrecisionError,
    BlockchainNotSupportedError,
    ClientTxIdConflictError,
    CreditReasonRequiredError,
    DepositAddressUnavailableError,
    InvalidAccountNameError,
    InvalidClientTxIdError,
    MainAccountDepositAddressError,
    MainAccountNotAllowedError,
    SameAccountError,
    UnsupportedCurrencyError,
    WalletTransfersUnavailableError,
)
from ledger.locking import lock_balances
from ledger.models import (
    MAIN_ACCOUNT,
    SYSTEM_EXTERNAL,
    Account,
    AccountKind,
    DepositAddress,
    JournalTransaction,
    TransactionType,
)
from ledger.posting import Leg, post

ACCOUNT_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}\Z")
CLIENT_TX_ID_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True)
class AccountCreateResult:
    account: Account
    created: bool


@dataclass(frozen=True, slots=True)
class TransferResult:
    """A completed movement. `from_account`/`to_account` are spot account names; None means the wallet.

    `replayed` is true when a repeat of an earlier request (same clientTxId, same parameters) returned the first
    result and moved nothing.
    """

    transaction_id: int
    type: str
    client_tx_id: str
    from_account: str | None
    to_account: str | None
    currency: str
    amount: Decimal
    created_at: datetime
    replayed: bool = False


# --- Accounts ---------------------------------------------------------------------------------------


def system_account(name: str) -> Account:
    """The system account `name` ("external", "fees"), created on first use."""
    account, _ = Account.objects.get_or_create(user=None, kind=AccountKind.SYSTEM, name=name)
    return account


def wallet_account(user: User) -> Account:
    """The user's wallet account, created on first use."""
    account, _ = Account.objects.get_or_create(user=user, kind=AccountKind.WALLET, name="")
    return account


def main_account(user: User) -> Account:
    """The user's main spot account (protocol id `""`), created on first use."""
    account, _ = Account.objects.get_or_create(user=user, kind=AccountKind.SPOT, name=MAIN_ACCOUNT)
    return account


def spot_account_get(*, user: User, name: str) -> Account:
    """The user's spot account `name` (`""` = main, created on first use). Raises `AccountNotFoundError`."""
    if name == MAIN_ACCOUNT:
        return main_account(user)
    account = Account.objects.filter(user=user, kind=AccountKind.SPOT, name=name).first()
    if account is None:
        raise AccountNotFoundError(f"Account {name} does not exist", details={"account": name})
    return account


def _check_account_name(name: str) -> None:
    if not ACCOUNT_NAME_RE.match(name or ""):
        raise InvalidAccountNameError(details={"account": name[:255] if name else name})


@transaction.atomic(durable=True)
def account_create(
    *,
    user: User,
    name: str,
    currency: str | None = None,
    actor: Actor,
) -> AccountCreateResult:
    """Create the spot sub-account `name` for `user`; idempotent (an existing name is returned as it is).

    Names are 1-255 of `[A-Za-z0-9_-]` (`InvalidAccountNameError`). At most `LEDGER_MAX_ACCOUNTS_PER_USER`
    spot accounts including main (`AccountLimitError`); `currency`, when given, must exist
    (`UnsupportedCurrencyError`). Locks the user's wallet account row, so concurrent creations count right.
    Records `account.created` (with `existing: true` for a repeat).
    """
    _check_account_name(name)
    if currency is not None:
        _currency(currency)
    # Serialise this user's account creations on one row they all share: the limit check then sees every
    # committed sibling.
    wallet = wallet_account(user)
    Account.objects.select_for_update().filter(pk=wallet.pk).get()
    account = Account.objects.filter(user=user, kind=AccountKind.SPOT, name=name).first()
    created = account is None
    if account is None:
        named = Account.objects.filter(user=user, kind=AccountKind.SPOT).exclude(name=MAIN_ACCOUNT)
        limit = settings.LEDGER_MAX_ACCOUNTS_PER_USER
        if named.count() + 1 >= limit:
            raise AccountLimitError(
                f"Account limit reached: at most {limit} accounts including the main account",
                details={"limit": limit},
            )
        account = Account.objects.create(user=user, kind=AccountKind.SPOT, name=name)
    details: dict[str, Any] = {"account": name}
    if currency is not None:
        details["currency"] = currency
    if not created:
        details["existing"] = True
    record(
        user=user,
        action=ActivityType.ACCOUNT_CREATED,
        actor=actor,
        details=details,
    )
    return AccountCreateResult(account=account, created=created)


# --- Validation shared by transfers -----------------------------------------------------------------


def _currency(code: str) -> Currency:
    currency = Currency.objects.filter(pk=code).first()
    if currency is None:
        raise UnsupportedCurrencyError(f"Unsupported currency {code}", details={"currency": code})
    return currency


def _check_amount(amount: Decimal, currency: Currency, *, places: int | None = None) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise AmountNotPositiveError()
    places = currency.precision if places is None else places
    if places_of(amount) > places:
        raise AmountPrecisionError(
            f"Amount {format(amount, 'f')} has more than {places} decimals allowed for {currency.code}",
            details={"currency": currency.code, "precision": places},
        )


def _check_transfer_request(client_tx_id: str, amount: Decimal) -> None:
    """What every transfer refuses before it looks anything up: a malformed client id, a non-positive amount."""
    _check_client_tx_id(client_tx_id)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise AmountNotPositiveError()


def _check_client_tx_id(client_tx_id: str) -> None:
    if len(client_tx_id) > CLIENT_TX_ID_MAX_LENGTH:
        raise InvalidClientTxIdError(
            f"clientTxId is limited to {CLIENT_TX_ID_MAX_LENGTH} characters",
            details={"max_length": CLIENT_TX_ID_MAX_LENGTH},
        )


def _fingerprint(*parts: str | Decimal | None) -> str:
    canonical = "|".join(
        "" if part is None else format(part.normalize(), "f") if isinstance(part, Decimal) else part
        for part in parts
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _result(journal_tx: JournalTransaction, *, replayed: bool) -> TransferResult:
    details = journal_tx.details
    return TransferResult(
        transaction_id=journal_tx.pk,
        type=journal_tx.type,
        client_tx_id=journal_tx.client_tx_id,
        from_account=details.get("from_account"),
        to_account=details.get("to_account"),
        currency=details["currency"],
        amount=Decimal(details["amount"]),
        created_at=journal_tx.created_at,
        replayed=replayed,
    )


@dataclass(frozen=True, slots=True)
class _Move:
    """A transfer between two of a user's accounts, named as the protocol names them (None = wallet)."""

    type: TransactionType
    activity: ActivityType
    source: Account
    target: Account
    source_name: str | None
    target_name: str | None
    currency: Currency
    amount: Decimal


def _execute(
    move: _Move,
    *,
    user: User,
    client_tx_id: str,
    actor: Actor,
) -> TransferResult:
    code = move.currency.code
    fingerprint = _fingerprint(move.type, move.source_name, move.target_name, code, move.amount)

    def replay() -> TransferResult | None:
        first = JournalTransaction.objects.filter(
            user=user, type=move.type, client_tx_id=client_tx_id
        ).first()
        if first is None:
            return None
        if first.fingerprint != fingerprint:
            raise ClientTxIdConflictError(
                f"clientTxId {client_tx_id} was already used with different parameters",
                details={"client_tx_id": client_tx_id},
            )
        result = _result(first, replayed=True)
        record(
            user=user,
            action=move.activity,
            actor=actor,
            details={"transaction_id": first.pk, "client_tx_id": client_tx_id, "replayed": True},
        )
        return result

    if client_tx_id and (earlier := replay()) is not None:
        return earlier
    balances = lock_balances([(move.source.pk, code), (move.target.pk, code)])
    details = {
        "from_account": move.source_name,
        "to_account": move.target_name,
        "currency": code,
        "amount": format(move.amount, "f"),
    }
    try:
        # A savepoint: a concurrent request with the same clientTxId that committed first makes our INSERT
        # fail on the unique constraint; we then answer with its result instead.
        with transaction.atomic():
            journal_tx = post(
                balances=balances,
                type=move.type,
                legs=[
                    Leg(move.source.pk, code, -move.amount),
                    Leg(move.target.pk, code, move.amount),
                ],
                user=user,
                client_tx_id=client_tx_id,
                fingerprint=fingerprint,
                description=move.type.label,
                details=details,
            )
    except IntegrityError:
        earlier = replay() if client_tx_id else None
        if earlier is None:
            raise
        return earlier
    record(
        user=user,
        action=move.activity,
        actor=actor,
        details={"transaction_id": journal_tx.pk, "client_tx_id": client_tx_id, **details},
    )
    return _result(journal_tx, replayed=False)


def _sub_account(user: User, name: str) -> Account:
    if name == MAIN_ACCOUNT:
        raise MainAccountNotAllowedError()
    return spot_account_get(user=user, name=name)


def _wallet_currency(code: str, amount: Decimal) -> Currency:
    currency = _currency(code)
    if currency.wallet_precision is None:
        raise WalletTransfersUnavailableError(
            f"Wallet transfers are not available for {code}", details={"currency": code}
        )
    _check_amount(amount, currency, places=min(currency.precision, currency.wallet_precision))
    return currency


# --- Transfers --------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def transfer_internal(
    *,
    user: User,
    from_account: str,
    to_account: str,
    currency: str,
    amount: Decimal,
    client_tx_id: str = "",
    actor: Actor,
) -> TransferResult:
    """Move `amount` of `currency` between two of the user's sub-accounts (not main, not the same one).

    Idempotent on `client_tx_id`: a repeat with the same parameters returns the first result and moves
    nothing; with other parameters `ClientTxIdConflictError`. Raises `VerificationRequiredError` (the user's
    level does not allow it; checked first), `AmountNotPositiveError`,
    `SameAccountError`, `MainAccountNotAllowedError`, `UnsupportedCurrencyError`, `AmountPrecisionError`,
    `AccountNotFoundError`, `InsufficientFundsError`. Locks both balance rows (in the global order).
    Records `transfer.internal`.
    """
    level_require(user=user, capability="transfer_internal")
    _check_transfer_request(client_tx_id, amount)
    if from_account == to_account:
        raise SameAccountError()
    source_account = _sub_account(user, from_account)
    target_account = _sub_account(user, to_account)
    ccy = _currency(currency)
    _check_amount(amount, ccy)
    move = _Move(
        type=TransactionType.INTERNAL_TRANSFER,
        activity=ActivityType.TRANSFER_INTERNAL,
        source=source_account,
        target=target_account,
        source_name=from_account,
        target_name=to_account,
        currency=ccy,
        amount=amount,
    )
    return _execute(move, user=user, client_tx_id=client_tx_id, actor=actor)


@transaction.atomic(durable=True)
def transfer_from_wallet(
    *,
    user: User,
    account: str,
    currency: str,
    amount: Decimal,
    client_tx_id: str = "",
    actor: Actor,
) -> TransferResult:
    """Move `amount` from the user's wallet to the sub-account `account` (protocol: deposit from wallet).

    Same idempotency and refusals as `transfer_internal` (the wallet is never "the same account"; the level
    needed is `VERIFICATION_LEVEL_REQUIRED["transfer_wallet"]`); the amount also respects the currency's wallet
    precision. Locks both balance rows. Records `transfer.from_wallet`.
    """
    return _wallet_transfer(
        to_wallet=False,
        user=user,
        account=account,
        currency=currency,
        amount=amount,
        client_tx_id=client_tx_id,
        actor=actor,
    )


@transaction.atomic(durable=True)
def transfer_to_wallet(
    *,
    user: User,
    account: str,
    currency: str,
    amount: Decimal,
    client_tx_id: str = "",
    actor: Actor,
) -> TransferResult:
    """Move `amount` from the sub-account `account` back to the user's wallet (protocol: withdrawal).

    Same contract as `transfer_from_wallet`, in the other direction. Records `transfer.to_wallet`.
    """
    return _wallet_transfer(
        to_wallet=True,
        user=user,
        account=account,
        currency=currency,
        amount=amount,
        client_tx_id=client_tx_id,
        actor=actor,
    )


def _wallet_transfer(
    *,
    to_wallet: bool,
    user: User,
    account: str,
    currency: str,
    amount: Decimal,
    client_tx_id: str,
    actor: Actor,
) -> TransferResult:
    """The one body of both wallet transfers; `to_wallet` picks the direction."""
    level_require(user=user, capability="transfer_wallet")
    _check_transfer_request(client_tx_id, amount)
    spot = _sub_account(user, account)
    ccy = _wallet_currency(currency, amount)
    wallet = wallet_account(user)
    move = _Move(
        type=TransactionType.WALLET_WITHDRAWAL if to_wallet else TransactionType.WALLET_DEPOSIT,
        activity=ActivityType.TRANSFER_TO_WALLET
        if to_wallet
        else ActivityType.TRANSFER_FROM_WALLET,
        source=spot if to_wallet else wallet,
        target=wallet if to_wallet else spot,
        source_name=account if to_wallet else None,
        target_name=None if to_wallet else account,
        currency=ccy,
        amount=amount,
    )
    return _execute(move, user=user, client_tx_id=client_tx_id, actor=actor)


# --- Money from outside -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def wallet_credit(
    *,
    user: User,
    currency: str,
    amount: Decimal,
    by: User | None = None,
    note: str = "",
    actor: Actor,
) -> JournalTransaction:
    """Credit outside money to the user's wallet: the "external" system account pays, the wallet receives.

    `by` is the staff member (None for the operator's command line or the demo seeder); a staff member's credit
    needs a `note` (the reason): `CreditReasonRequiredError`. Raises `UnsupportedCurrencyError`,
    `AmountNotPositiveError`, `AmountPrecisionError`. Locks the two balance rows. Records `wallet.credited` for
    the user, naming `by`, the amount and the reason.
    """
    if by is not None and not note.strip():
        raise CreditReasonRequiredError()
    ccy = _currency(currency)
    _check_amount(amount, ccy)
    wallet = wallet_account(user)
    external = system_account(SYSTEM_EXTERNAL)
    balances = lock_balances([(external.pk, ccy.code), (wallet.pk, ccy.code)])
    details = {"currency": ccy.code, "amount": format(amount, "f"), "to_account": None}
    if note:
        details["note"] = note[:255]
    journal_tx = post(
        balances=balances,
        type=TransactionType.EXTERNAL_CREDIT,
        legs=[Leg(external.pk, ccy.code, -amount), Leg(wallet.pk, ccy.code, amount)],
        user=user,
        description=note[:255] or "Wallet credit",
        details=details,
    )
    record(
        user=user,
        action=ActivityType.WALLET_CREDITED,
        actor=actor,
        details={
            "transaction_id": journal_tx.pk,
            **details,
            **({"by": by.email} if by is not None else {}),
        },
    )
    return journal_tx


# --- Deposit addresses ------------------------------------------------------------------------------


def _network(currency: Currency, blockchain: str | None) -> str:
    networks = Network.objects.filter(currency=currency)
    if blockchain:
        network = networks.filter(code=blockchain).first()
    else:
        network = networks.order_by("-is_default", "id").first()
    if network is None:
        raise BlockchainNotSupportedError(
            details={"currency": currency.code, "blockchain": blockchain}
        )
    return str(network.code)


@transaction.atomic(durable=True)
def deposit_address_get(
    *,
    user: User,
    account: str,
    currency: str,
    blockchain: str | None = None,
    actor: Actor,
) -> DepositAddress:
    """The sub-account's deposit address for `currency` on `blockchain` (None = the currency's default).

    An account keeps the address it was first given; otherwise the next free address of the pool is handed
    out. Raises `MainAccountDepositAddressError`, `AccountNotFoundError`, `UnsupportedCurrencyError`,
    `BlockchainNotSupportedError`, `DepositAddressUnavailableError` (empty pool). Locks the account row (so
    one account never gets two addresses) and the pool row it takes (`skip_locked`, so concurrent requests
    take different ones). Records `deposit_address.issued` when an address is handed out.
    """
    if account == MAIN_ACCOUNT:
        raise MainAccountDepositAddressError()
    spot = (
        Account.objects.select_for_update()
        .filter(pk=spot_account_get(user=user, name=account).pk)
        .get()
    )
    ccy = _currency(currency)
    network = _network(ccy, blockchain)
    held = DepositAddress.objects.filter(account=spot, currency=ccy, network=network).first()
    if held is not None:
        return held
    free = (
        DepositAddress.objects.select_for_update(skip_locked=True)
        .filter(currency=ccy, network=network, account__isnull=True)
        .order_by("id")
        .first()
    )
    if free is None:
        raise DepositAddressUnavailableError(
            f"No deposit address is available for {ccy.code} on {network} right now; try again later",
            details={"currency": ccy.code, "blockchain": network},
        )
    free.account = spot
    free.assigned_at = timezone.now()
    free.save(update_fields=["account", "assigned_at"])
    record(
        user=user,
        action=ActivityType.DEPOSIT_ADDRESS_ISSUED,
        actor=actor,
        details={"account": account, "currency": ccy.code, "blockchain": network},
    )
    return free


@transaction.atomic(durable=True)
def deposit_addresses_load(*, currency: str, network: str, addresses: list[tuple[str, str]]) -> int:
    """Add `(address, memo)` pairs to the pool for `currency` on `network`; existing ones are skipped.

    Raises `UnsupportedCurrencyError`, `BlockchainNotSupportedError`. Returns how many were added.
    """
    ccy = _currency(currency)
    code = _network(ccy, network)
    known = set(
        DepositAddress.objects.filter(currency=ccy, network=code).values_list("address", "memo")
    )
    fresh = {
        (address.strip(), memo.strip())
        for address, memo in addresses
        if address.strip() and (address.strip(), memo.strip()) not in known
    }
    DepositAddress.objects.bulk_create(
        DepositAddress(currency=ccy, network=code, address=address, memo=memo)
        for address, memo in sorted(fresh)
    )
    return len(fresh)
