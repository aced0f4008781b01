from rest_framework import serializers

from common.api import AsciiDecimalField
from common.money import DECIMAL_PLACES, MAX_DIGITS
from common.serializers import MoneyField
from conditions.selectors import precision_of
from ledger.models import AccountKind, TransactionType
from ledger.selectors import FUNDING_DIRECTIONS, funding_account_name


class AmountInputField(AsciiDecimalField):
    """A positive amount as a string or number; the currency's precision is checked by the service."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs.setdefault("help_text", 'Decimal string, e.g. "0.015".')
        super().__init__(**kwargs)


class AccountNameField(serializers.CharField):
    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("help_text", 'Spot account name; "" is the main account.')
        super().__init__(**kwargs)


# Amounts leave with their currency's precision (common.money.display_amount): "20000.00" USD, "0.50000000" BTC.
BY_CURRENCY_ID = precision_of(lambda row: row.currency_id)
BY_CURRENCY = precision_of(lambda row: row.currency)


class BalanceOutputSerializer(serializers.Serializer):
    currency = serializers.CharField(source="currency_id")
    total = MoneyField(places=BY_CURRENCY_ID)
    on_hold = MoneyField(places=BY_CURRENCY_ID)
    available = MoneyField(places=BY_CURRENCY_ID)


class WalletBalanceOutputSerializer(serializers.Serializer):
    currency = serializers.CharField(source="currency_id")
    total = MoneyField(places=BY_CURRENCY_ID)


class AccountOutputSerializer(serializers.Serializer):
    name = serializers.CharField(help_text='"" is the main account.')
    is_main = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class TransferOutputSerializer(serializers.Serializer):
    transaction_id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=TransactionType.choices)
    client_tx_id = serializers.CharField()
    from_account = serializers.CharField(allow_null=True, help_text="null = the wallet")
    to_account = serializers.CharField(allow_null=True, help_text="null = the wallet")
    currency = serializers.CharField()
    amount = MoneyField(places=BY_CURRENCY)
    created_at = serializers.DateTimeField()
    replayed = serializers.BooleanField(
        help_text="True when this repeats an earlier request with the same client_tx_id (nothing moved)."
    )


class EntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    transaction_id = serializers.IntegerField()
    type = serializers.CharField(source="transaction.type")
    account_kind = serializers.ChoiceField(source="account.kind", choices=AccountKind.choices)
    account = serializers.CharField(source="account.name")
    currency = serializers.CharField(source="currency_id")
    amount = MoneyField(places=BY_CURRENCY_ID, help_text="Signed: negative is a debit.")
    balance_after = MoneyField(places=BY_CURRENCY_ID)
    description = serializers.CharField(source="transaction.description")
    created_at = serializers.DateTimeField()


class FundingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=TransactionType.choices)
    direction = serializers.SerializerMethodField()
    account = serializers.SerializerMethodField(
        help_text="The sub-account; null for a wallet credit."
    )
    currency = serializers.CharField(source="details.currency")
    amount = MoneyField(
        source="details.amount", places=precision_of(lambda row: row.details["currency"])
    )
    client_tx_id = serializers.CharField()
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_direction(self, obj) -> str:  # type: ignore[no-untyped-def]
        return FUNDING_DIRECTIONS[obj.type]

    def get_account(self, obj) -> str | None:  # type: ignore[no-untyped-def]
        return funding_account_name(obj)

    def get_status(self, obj) -> str:  # type: ignore[no-untyped-def]
        return "approved"  # transfers settle at once


class DepositAddressOutputSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.name")
    currency = serializers.CharField(source="currency_id")
    blockchain = serializers.CharField(source="network")
    address = serializers.CharField()
    memo = serializers.CharField()
