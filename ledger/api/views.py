"""Frontend JSON API for the ledger (session authentication + CSRF): balances, sub-accounts, transfers and
histories. Every rule lives in `ledger.services` / `ledger.selectors`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.actor import Actor
from common.api import NewestFirstCursorPagination
from common.openapi import ERROR_RESPONSES
from ledger import selectors, services
from ledger.api.serializers import (
    AccountNameField,
    AccountOutputSerializer,
    AmountInputField,
    BalanceOutputSerializer,
    DepositAddressOutputSerializer,
    EntryOutputSerializer,
    FundingOutputSerializer,
    TransferOutputSerializer,
    WalletBalanceOutputSerializer,
)
from ledger.models import AccountKind, TransactionType

CLIENT_TX_ID_HELP = (
    "Optional idempotency key: a repeat with the same parameters returns the first result and moves "
    "nothing; with other parameters it is refused."
)


class BalancesApi(APIView):
    OutputSerializer = inline_serializer(
        "LedgerBalances",
        {
            "wallet": WalletBalanceOutputSerializer(many=True),
            "accounts": inline_serializer(
                "LedgerAccountBalances",
                {"name": serializers.CharField(), "balances": BalanceOutputSerializer(many=True)},
                many=True,
            ),
        },
    )

    @extend_schema(
        operation_id="ledger_balances",
        summary='Balances of my wallet and of every spot account (main is "")',
        responses={200: OutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        wallet = selectors.wallet_balances(user=request.user)
        accounts = selectors.spot_balances(user=request.user)
        return Response(
            {
                "wallet": WalletBalanceOutputSerializer(wallet.values(), many=True).data,
                "accounts": [
                    {
                        "name": name,
                        "balances": BalanceOutputSerializer(rows.values(), many=True).data,
                    }
                    for name, rows in accounts.items()
                ],
            }
        )


class AccountsApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(
            max_length=255, help_text="1-255 characters from A-Z, a-z, 0-9, _ and -."
        )
        currency = serializers.CharField(max_length=10, required=False)

    @extend_schema(
        operation_id="ledger_accounts_list",
        summary="My spot accounts",
        responses={200: AccountOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        accounts = list(selectors.spot_account_list(user=request.user))
        if not any(account.is_main for account in accounts):
            accounts.insert(0, services.main_account(request.user))
        return Response(AccountOutputSerializer(accounts, many=True).data)

    @extend_schema(
        operation_id="ledger_accounts_create",
        summary="Create a sub-account (idempotent: an existing name is returned with 200)",
        request=InputSerializer,
        responses={201: AccountOutputSerializer, 200: AccountOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.account_create(
            user=request.user,
            name=data.validated_data["name"],
            currency=data.validated_data.get("currency"),
            actor=Actor.web(request),
        )
        return Response(
            AccountOutputSerializer(result.account).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class InternalTransferApi(APIView):
    class InputSerializer(serializers.Serializer):
        from_account = AccountNameField()
        to_account = AccountNameField()
        currency = serializers.CharField(max_length=10)
        amount = AmountInputField()
        client_tx_id = serializers.CharField(
            max_length=64, required=False, default="", allow_blank=True, help_text=CLIENT_TX_ID_HELP
        )

    @extend_schema(
        operation_id="ledger_transfer_internal",
        summary="Move funds between two of my sub-accounts",
        request=InputSerializer,
        responses={200: TransferOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.transfer_internal(
            user=request.user, actor=Actor.web(request), **data.validated_data
        )
        return Response(TransferOutputSerializer(result).data)


class WalletTransferInputSerializer(serializers.Serializer):
    account = AccountNameField(help_text="The sub-account (not main).")
    currency = serializers.CharField(max_length=10)
    amount = AmountInputField()
    client_tx_id = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True, help_text=CLIENT_TX_ID_HELP
    )


class FromWalletTransferApi(APIView):
    @extend_schema(
        operation_id="ledger_transfer_from_wallet",
        summary="Move funds from my wallet to a sub-account",
        request=WalletTransferInputSerializer,
        responses={200: TransferOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = WalletTransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.transfer_from_wallet(
            user=request.user, actor=Actor.web(request), **data.validated_data
        )
        return Response(TransferOutputSerializer(result).data)


class ToWalletTransferApi(APIView):
    @extend_schema(
        operation_id="ledger_transfer_to_wallet",
        summary="Move funds from a sub-account back to my wallet",
        request=WalletTransferInputSerializer,
        responses={200: TransferOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = WalletTransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.transfer_to_wallet(
            user=request.user, actor=Actor.web(request), **data.validated_data
        )
        return Response(TransferOutputSerializer(result).data)


class HistoryFilterSerializer(serializers.Serializer):
    currency = serializers.CharField(max_length=10, required=False)
    date_from = serializers.DateTimeField(required=False, help_text="Inclusive (ISO 8601).")
    date_to = serializers.DateTimeField(required=False, help_text="Exclusive (ISO 8601).")


class TransactionHistoryApi(APIView):
    pagination_class = NewestFirstCursorPagination

    class FilterSerializer(HistoryFilterSerializer):
        kind = serializers.ChoiceField(
            choices=[AccountKind.SPOT, AccountKind.WALLET],
            required=False,
            help_text="Only spot accounts or only the wallet; both when absent.",
        )
        account = AccountNameField(required=False, help_text='One spot account ("" = main).')
        type = serializers.MultipleChoiceField(choices=TransactionType.choices, required=False)

    @extend_schema(
        operation_id="ledger_transactions",
        summary="My transaction history (journal entries), newest first, cursor-paginated",
        parameters=[FilterSerializer],
        responses={200: EntryOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.copy()
        if "type" in query:
            query.setlist("type", [t for value in query.getlist("type") for t in value.split(",")])
        filters = self.FilterSerializer(data=query)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        entries = selectors.entry_list(
            user=request.user,
            kind=params.get("kind"),
            account=params.get("account"),
            types=params.get("type") or None,
            currency=params.get("currency"),
            date_from=params.get("date_from"),
            date_to=params.get("date_to"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(EntryOutputSerializer(page, many=True).data)


class FundingHistoryApi(APIView):
    pagination_class = NewestFirstCursorPagination

    class FilterSerializer(HistoryFilterSerializer):
        account = AccountNameField(required=False, help_text="One sub-account.")
        direction = serializers.ChoiceField(choices=["deposit", "withdraw"], required=False)

    @extend_schema(
        operation_id="ledger_funding",
        summary="My funding history: wallet <-> sub-account transfers and credits to my wallet",
        parameters=[FilterSerializer],
        responses={200: FundingOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        rows = selectors.funding_list(
            user=request.user,
            account=params.get("account"),
            directions=[params["direction"]] if params.get("direction") else None,
            currency=params.get("currency"),
            date_from=params.get("date_from"),
            date_to=params.get("date_to"),
            include_credits=True,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(FundingOutputSerializer(page, many=True).data)


class DepositAddressApi(APIView):
    class InputSerializer(serializers.Serializer):
        account = AccountNameField(help_text="The sub-account (not main).")
        currency = serializers.CharField(max_length=10)
        blockchain = serializers.CharField(
            max_length=32,
            required=False,
            allow_null=True,
            help_text="Default: the currency's default.",
        )

    @extend_schema(
        operation_id="ledger_deposit_address",
        summary="The deposit address of a sub-account (handed out from the pool on first request)",
        request=InputSerializer,
        responses={200: DepositAddressOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = services.deposit_address_get(
            user=request.user,
            account=data.validated_data["account"],
            currency=data.validated_data["currency"],
            blockchain=data.validated_data.get("blockchain"),
            actor=Actor.web(request),
        )
        return Response(DepositAddressOutputSerializer(address).data)
