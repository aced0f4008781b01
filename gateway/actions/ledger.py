"""Accounts, balances, transfers, histories and deposit addresses on the wire (cexio-protocol.md §3.12-3.14,
3.19-3.23, §7). Every rule lives in `ledger.services` / `ledger.selectors`; these handlers only rename.

Amounts leave as fixed-point strings padded to the currency's precision; times as ISO-8601 with milliseconds.
The mutating actions' services record their own activity rows (with the key and client IP passed down).
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apikeys.models import Permission
from conditions.models import Currency
from gateway.params import (
    AccountIdParam,
    ChoiceParam,
    CurrencyParam,
    DecimalParam,
    IntParam,
    ListParam,
    Params,
    StringParam,
    TimestampMsParam,
)
from gateway.registry import Call, action
from gateway.wire import cut, fixed, iso_ms
from ledger import selectors, services
from ledger.models import Balance

PAGE_SIZE_MAX = 100
PAGE_SIZE_TEXT = f"Page size is limited to {PAGE_SIZE_MAX} items"
HISTORY_TYPES = ("trade", "commission", "deposit", "withdraw", "internalTransfer")
HISTORY_TYPE_TEXT = f"Operation type is not supported. Supported types: {','.join(HISTORY_TYPES)}"
ACCOUNT_IDS_TEXT = "accountIds array should consist of string type values"
CONVERTED_CURRENCY = "USD"
CONVERTED_PLACES = 2


def _precisions() -> dict[str, int]:
    return dict(Currency.objects.values_list("code", "precision"))


def _amount(value: Decimal, places: int | None) -> str:
    """Balances and journal amounts: cut to the currency's precision (never shown larger than they are)."""
    return fixed(value) if places is None else cut(value, places)


class PageParams(Params):
    pageSize = IntParam(min_value=1, required=False)
    pageNumber = IntParam(min_value=1, required=False)

    def validate_pageSize(self, value: int) -> int:
        if value > PAGE_SIZE_MAX:
            raise serializers.ValidationError(PAGE_SIZE_TEXT)
        return value


def _page(params: dict[str, Any], rows: Any) -> list[Any]:
    size = params.get("pageSize", PAGE_SIZE_MAX)
    start = (params.get("pageNumber", 1) - 1) * size
    return list(rows[start : start + size])


# --- Accounts ---------------------------------------------------------------------------------------


class CreateAccountParams(Params):
    accountId = AccountIdParam()
    currency = CurrencyParam()


@action(
    "do_create_account",
    permission=Permission.READ,
    cost=1,
    mutates=True,
    idempotent=True,
    params=CreateAccountParams,
)
def do_create_account(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Idempotent: an existing name is answered with that name and nothing is created."""
    result = services.account_create(
        user=call.user, name=params["accountId"], currency=params["currency"], actor=call.actor
    )
    return {"accountId": result.account.name}


class AccountStatusParams(Params):
    currencies = ListParam(child=CurrencyParam(), unique=True, required=False, allow_null=True)
    accountIds = ListParam(
        child=StringParam(allow_blank=True, error_messages={"invalid": ACCOUNT_IDS_TEXT}),
        unique=True,
        required=False,
        allow_null=True,
        error_messages={"not_a_list": ACCOUNT_IDS_TEXT},
    )


def _balance_row(balance: Balance) -> dict[str, str]:
    places = balance.currency.precision
    row = {
        "balance": _amount(balance.total, places),
        "balanceOnHold": _amount(balance.on_hold, places),
    }
    rate = balance.currency.usd_rate
    if balance.total and rate:
        row["balanceInConvertedCurrency"] = cut(balance.total * rate, CONVERTED_PLACES)
    return row


@action("get_my_account_status_v3", cost=5, params=AccountStatusParams)
def get_my_account_status_v3(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Balances per spot account (main is `""`); `balance` is the total, on-hold included."""
    per_account = selectors.spot_balances(
        user=call.user_ref(),
        currencies=params.get("currencies") or None,
        account_names=params.get("accountIds") or None,
    )
    return {
        "convertedCurrency": CONVERTED_CURRENCY,
        "balancesPerAccounts": {
            name: {code: _balance_row(balance) for code, balance in balances.items()}
            for name, balances in per_account.items()
        },
    }


@action("get_my_wallet_balance", cost=5)
def get_my_wallet_balance(params: dict[str, Any], call: Call) -> dict[str, Any]:
    wallet = selectors.wallet_balances(user=call.user_ref())
    # The docs send only `balance`; nothing is ever on hold in the wallet, and saying so lets ccxt fill in
    # `free` and `used` instead of leaving them None.
    return {
        code: {
            "balance": _amount(balance.total, balance.currency.precision),
            "balanceOnHold": _amount(balance.on_hold, balance.currency.precision),
        }
        for code, balance in wallet.items()
    }


# --- Histories --------------------------------------------------------------------------------------


class HistoryParams(PageParams):
    accountId = StringParam(allow_blank=True, required=False, allow_null=True)
    currency = CurrencyParam(required=False, allow_null=True)
    dateFrom = TimestampMsParam(required=False, allow_null=True)
    dateTo = TimestampMsParam(required=False, allow_null=True)


def _account_filter(params: dict[str, Any]) -> str | None:
    """Missing = every account; `""` or null = main."""
    if "accountId" not in params:
        return None
    return params["accountId"] or ""


class TransactionHistoryParams(HistoryParams):
    type = ChoiceParam(
        choices=("", *HISTORY_TYPES),
        required=False,
        allow_null=True,
        error_messages={"invalid_choice": HISTORY_TYPE_TEXT},
    )
    sortOrder = ChoiceParam(choices=("ASC", "DESC"), required=False, allow_null=True)


@action("get_my_transaction_history", cost=5, params=TransactionHistoryParams)
def get_my_transaction_history(params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    """One row per journal entry on the caller's spot accounts, amounts signed (negative = debit).
    `transactionId` is the entry's journal transaction (see cexio-protocol.md pitfall 13 and the README)."""
    kind = params.get("type")
    entries = selectors.entry_list(
        user=call.user_ref(),
        account=_account_filter(params),
        types=selectors.TYPES_BY_PROTOCOL[kind] if kind else None,
        currency=params.get("currency"),
        date_from=params.get("dateFrom"),
        date_to=params.get("dateTo"),
        ascending=params.get("sortOrder") == "ASC",
    )
    precisions = _precisions()
    return [
        {
            # One meaning everywhere: the journal transaction, the number a transfer's reply returned and
            # funding history's `txId`. Its legs on the caller's accounts share it (one row per leg).
            "transactionId": entry.transaction_id,
            "timestamp": iso_ms(entry.created_at),
            "accountId": entry.account.name,
            "type": selectors.PROTOCOL_TYPES[entry.transaction.type],
            "amount": _amount(entry.amount, precisions.get(entry.currency_id)),
            "details": entry.transaction.description,
            "currency": entry.currency_id,
        }
        for entry in _page(params, entries)
    ]


class FundingHistoryParams(HistoryParams):
    txId = IntParam(min_value=1, required=False, allow_null=True)
    direction = ChoiceParam(choices=("", "deposit", "withdraw"), required=False, allow_null=True)


@action("get_my_funding_history", cost=5, params=FundingHistoryParams)
def get_my_funding_history(params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    """Wallet <-> sub-account transfers; they settle at once, so every row is `approved`."""
    direction = params.get("direction")
    rows = selectors.funding_list(
        user=call.user_ref(),
        account=_account_filter(params),
        directions=[direction] if direction else None,
        currency=params.get("currency"),
        tx_id=params.get("txId"),
        date_from=params.get("dateFrom"),
        date_to=params.get("dateTo"),
    )
    precisions = _precisions()
    public_id = call.user.public_id
    result = []
    for journal_tx in _page(params, rows):
        currency = journal_tx.details["currency"]
        places = precisions.get(currency)
        result.append(
            {
                "txId": journal_tx.pk,
                "clientId": public_id,
                "accountId": selectors.funding_account_name(journal_tx),
                "currency": currency,
                "direction": selectors.FUNDING_DIRECTIONS[journal_tx.type],
                "amount": _amount(Decimal(journal_tx.details["amount"]), places),
                "commissionAmount": _amount(Decimal(0), places),
                "status": "approved",
                "updatedAt": iso_ms(journal_tx.created_at),
                "clientTxId": journal_tx.client_tx_id or None,
                "details": {},
            }
        )
    return result


# --- Transfers --------------------------------------------------------------------------------------


class InternalTransferParams(Params):
    fromAccountId = AccountIdParam()
    toAccountId = AccountIdParam()
    currency = CurrencyParam()
    amount = DecimalParam(positive=True)
    clientTxId = StringParam(max_length=64, required=False, allow_null=True)


@action(
    "do_my_internal_transfer",
    permission=Permission.FUNDS_INTERNAL,
    cost=1,
    mutates=True,
    params=InternalTransferParams,
)
def do_my_internal_transfer(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Idempotent on clientTxId: a repeat returns the first transactionId and moves nothing."""
    result = services.transfer_internal(
        user=call.user,
        from_account=params["fromAccountId"],
        to_account=params["toAccountId"],
        currency=params["currency"],
        amount=params["amount"],
        client_tx_id=params.get("clientTxId") or "",
        actor=call.actor,
        claim=call.claim,
    )
    return {"transactionId": result.transaction_id}


class WalletTransferParams(Params):
    clientTxId = StringParam(max_length=64)
    accountId = AccountIdParam()
    currency = CurrencyParam()
    amount = DecimalParam(positive=True)


def _wallet_transfer(
    service: Callable[..., services.TransferResult], params: dict[str, Any], call: Call
) -> dict[str, Any]:
    """Both wallet transfers: the same parameters and reply, `service` gives the direction."""
    result = service(
        user=call.user,
        account=params["accountId"],
        currency=params["currency"],
        amount=params["amount"],
        client_tx_id=params["clientTxId"],
        actor=call.actor,
        claim=call.claim,
    )
    return _wallet_reply(result, params["accountId"])


def _wallet_reply(result: services.TransferResult, account: str) -> dict[str, Any]:
    return {
        "accountId": account,
        "clientTxId": result.client_tx_id,
        "currency": result.currency,
        "status": "approved",
        "transactionId": result.transaction_id,
    }


@action(
    "do_deposit_funds_from_wallet",
    permission=Permission.FUNDS_WALLET,
    cost=1,
    mutates=True,
    params=WalletTransferParams,
)
def do_deposit_funds_from_wallet(params: dict[str, Any], call: Call) -> dict[str, Any]:
    return _wallet_transfer(services.transfer_from_wallet, params, call)


@action(
    "do_withdrawal_funds_to_wallet",
    permission=Permission.FUNDS_WALLET,
    cost=1,
    mutates=True,
    params=WalletTransferParams,
)
def do_withdrawal_funds_to_wallet(params: dict[str, Any], call: Call) -> dict[str, Any]:
    return _wallet_transfer(services.transfer_to_wallet, params, call)


# --- Deposit addresses ------------------------------------------------------------------------------


class DepositAddressParams(Params):
    # `""` passes here so that the service answers with the protocol's own text for the main account.
    accountId = AccountIdParam(allow_blank=True)
    currency = CurrencyParam()
    blockchain = StringParam(max_length=32, required=False, allow_null=True)


@action("get_deposit_address", cost=5, params=DepositAddressParams)
def get_deposit_address(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """The account keeps the address it was first given; a null blockchain means the default network.
    Handing out a new address records `deposit_address.issued` besides the gateway's own call row."""
    address = services.deposit_address_get(
        user=call.user,
        account=params["accountId"],
        currency=params["currency"],
        blockchain=params.get("blockchain"),
        actor=call.actor,
    )
    reply = {
        "accountId": params["accountId"],
        "address": address.address,
        "currency": address.currency_id,
        "blockchain": address.network,
    }
    if address.memo:
        reply["memo"] = address.memo
    return reply
