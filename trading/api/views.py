"""Frontend JSON API for trading (session authentication + CSRF): my orders (place, list, cancel), my trades,
and the public market data (order book, tickers, trades, candles; readable without login). Every rule lives in
`trading.services` / `trading.selectors`."""

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.actor import Actor
from common.api import NewestFirstCursorPagination
from common.openapi import ERROR_RESPONSES
from conditions.selectors import pair_get, pair_list
from trading import selectors, services
from trading.api.serializers import (
    AmountField,
    CandleOutputSerializer,
    OrderBookOutputSerializer,
    OrderOutputSerializer,
    PublicTradeOutputSerializer,
    TickerOutputSerializer,
    TradeOutputSerializer,
)
from trading.models import OrderType, Side, TimeInForce, Trade


class OrdersApi(APIView):
    pagination_class = NewestFirstCursorPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=["open", "closed"], default="open", help_text="open, or closed (final states)."
        )
        pair = serializers.CharField(max_length=21, required=False)
        account = serializers.CharField(max_length=255, required=False, allow_blank=True)

    class InputSerializer(serializers.Serializer):
        account = serializers.CharField(
            max_length=255, help_text="A sub-account (orders need one)."
        )
        pair = serializers.CharField(max_length=21, help_text='e.g. "BTC-USD".')
        side = serializers.ChoiceField(choices=Side.choices)
        order_type = serializers.ChoiceField(choices=OrderType.choices)
        amount = AmountField(required=False, allow_null=True, help_text="Base amount.")
        quote_amount = AmountField(
            required=False, allow_null=True, help_text="Quote amount (market buys only)."
        )
        price = AmountField(required=False, allow_null=True)
        stop_price = AmountField(required=False, allow_null=True)
        time_in_force = serializers.ChoiceField(choices=TimeInForce.choices, required=False)
        expire_at = serializers.DateTimeField(
            required=False, allow_null=True, help_text="GTD only."
        )
        client_order_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
        comment = serializers.CharField(max_length=255, required=False, allow_blank=True)

        class Meta:
            ref_name = "OrderPlaceInput"

    @extend_schema(
        operation_id="trading_orders_list",
        summary="My open (or closed) orders, newest first, cursor-paginated",
        parameters=[FilterSerializer],
        responses={200: OrderOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        account = filters.validated_data.get("account")
        rows = selectors.order_list(
            user=request.user,
            archived=filters.validated_data["status"] == "closed",
            pair=filters.validated_data.get("pair"),
            accounts=None if account is None else [account],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(OrderOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="trading_orders_place",
        summary="Place an order (201; a refused order comes back with status REJECTED and its reason)",
        request=InputSerializer,
        responses={201: OrderOutputSerializer, 200: OrderOutputSerializer, **ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "A resting limit buy",
                request_only=True,
                value={
                    "account": "bot1",
                    "pair": "BTC-USD",
                    "side": "BUY",
                    "order_type": "Limit",
                    "amount": "0.001",
                    "price": "90000",
                    "time_in_force": "GTC",
                    "client_order_id": "my-order-0001",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        result = services.order_place(
            user=request.user,
            account=values.pop("account"),
            pair=values.pop("pair"),
            side=values.pop("side"),
            order_type=values.pop("order_type"),
            actor=Actor.web(request),
            **values,
        )
        return Response(
            OrderOutputSerializer(result.order).data,
            status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED,
        )


class OrderCancelApi(APIView):
    @extend_schema(
        operation_id="trading_orders_cancel",
        summary="Cancel one of my open orders (its remaining hold is released)",
        request=None,
        responses={200: OrderOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request, order_id: int) -> Response:
        order = services.order_cancel(
            user=request.user, order_id=order_id, actor=Actor.web(request)
        )
        return Response(OrderOutputSerializer(order).data)


class MyTradesApi(APIView):
    pagination_class = NewestFirstCursorPagination

    class FilterSerializer(serializers.Serializer):
        pair = serializers.CharField(max_length=21, required=False)

    @extend_schema(
        operation_id="trading_my_trades",
        summary="My trades (as maker or taker), newest first, cursor-paginated",
        parameters=[FilterSerializer],
        responses={200: TradeOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.my_trade_list(user=request.user, pair=filters.validated_data.get("pair"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        mine = [_my_side(trade, request.user.pk) for trade in page]
        return paginator.get_paginated_response(TradeOutputSerializer(mine, many=True).data)


def _my_side(trade: Trade, user_id: int) -> dict[str, Any]:
    maker = trade.maker_user_id == user_id
    order = trade.maker_order if maker else trade.taker_order
    return {
        "id": trade.pk,
        "pair": trade.pair,
        "side": order.side,
        "role": "maker" if maker else "taker",
        "order_id": order.pk,
        "price": trade.price,
        "amount": trade.amount,
        "quote_amount": trade.quote_amount,
        "fee": trade.maker_fee if maker else trade.taker_fee,
        "fee_currency_id": trade.fee_currency_id,
        "created_at": trade.created_at,
    }


# --- public market data -----------------------------------------------------------------------------


class MarketApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []


class OrderBookApi(MarketApi):
    class FilterSerializer(serializers.Serializer):
        depth = serializers.IntegerField(min_value=1, max_value=1000, required=False)

    @extend_schema(
        operation_id="market_order_book",
        summary="A pair's order book, aggregated by price, best first (public)",
        parameters=[FilterSerializer],
        responses={200: OrderBookOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        pair = pair_get(symbol=symbol)
        book = selectors.order_book(
            pair=pair, at=timezone.now(), depth=filters.validated_data.get("depth")
        )
        return Response(
            OrderBookOutputSerializer(
                {
                    "pair": book.pair,
                    "at": book.at,
                    "bids": [{"price": p, "amount": a} for p, a in book.bids],
                    "asks": [{"price": p, "amount": a} for p, a in book.asks],
                },
                context={"pair": pair},
            ).data
        )


class TickersApi(MarketApi):
    @extend_schema(
        operation_id="market_tickers",
        summary="Every pair's ticker: best prices, last trade, 24-hour and 30-day volume (public)",
        responses={200: TickerOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        rows = selectors.tickers(pairs=list(pair_list()), at=timezone.now())
        return Response(TickerOutputSerializer(rows, many=True).data)


class PublicTradesApi(MarketApi):
    class FilterSerializer(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)

    @extend_schema(
        operation_id="market_trades",
        summary="A pair's most recent trades, oldest first (public)",
        parameters=[FilterSerializer],
        responses={200: PublicTradeOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        pair = pair_get(symbol=symbol)
        trades = selectors.trade_list(pair=pair, limit=filters.validated_data["limit"])
        return Response(PublicTradeOutputSerializer(trades, many=True, context={"pair": pair}).data)


class CandlesApi(MarketApi):
    class FilterSerializer(serializers.Serializer):
        resolution = serializers.ChoiceField(choices=list(selectors.RESOLUTIONS), default="1m")
        data_type = serializers.ChoiceField(choices=list(selectors.DATA_TYPES), default="bestBid")
        start = serializers.DateTimeField(required=False, help_text="Inclusive (ISO 8601).")
        end = serializers.DateTimeField(required=False, help_text="Exclusive (ISO 8601).")
        limit = serializers.IntegerField(
            min_value=1, max_value=selectors.MAX_CANDLES, required=False
        )

    @extend_schema(
        operation_id="market_candles",
        summary="Candles of the best bid or best ask, with traded volume, oldest first (public)",
        parameters=[FilterSerializer],
        responses={200: CandleOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        start: datetime | None = values.get("start")
        pair = pair_get(symbol=symbol)
        rows = selectors.candles(
            pair=pair,
            resolution=values["resolution"],
            data_type=values["data_type"],
            at=timezone.now(),
            start=start,
            end=values.get("end"),
            limit=values.get("limit") or (None if start and values.get("end") else 100),
        )
        return Response(CandleOutputSerializer(rows, many=True, context={"pair": pair}).data)
