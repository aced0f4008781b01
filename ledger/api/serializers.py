from rest_framework import serializers

from common.api import AsciiDecimalField
from common.money import DECIMAL_PLACES, MAX_DIGITS
from ledger.models import AccountKind, TransactionType
from ledger.selectors import FUNDING_DIRECTIONS, funding_account_name


class AmountInputField(AsciiDecimalField):
    """A positive amount as a string or number; the currency's precision is checked by the service."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs.setdefault("help_text", 'Decimal string, e.g. "0.015".')
        super().__init__(**kwargs)


class AmountOutputField(serializers.DecimalField):
    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):  # type: ignore[no-untyped-def]
        return format(value.normalize(), "f") if value is not None else None


class AccountNameField(serializers.CharField):
    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("help_text", 'Spot account name; "" is the main account.')
        super().__init__(**kwargs)


class BalanceOutputSerializer(serializers.Serializer):
    currency = serializers.CharField(source="currency_id")
    total = AmountOutputField()
    on_hold = AmountOutputField()
    available = AmountOutputField()


class WalletBalanceOutputSerializer(serializers.Serializer):
    currency = serializers.CharField(source="currency_id")
    total = AmountOutputField()


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
    amount = AmountOutputField()
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
    amount = AmountOutputField(help_text="Signed: negative is a debit.")
    balance_after = AmountOutputField()
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
    amount = serializers.CharField(source="details.amount")
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
