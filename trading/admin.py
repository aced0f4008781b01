"""Read-only views of orders, trades and market state. State changes go through the services: the one action
here cancels open orders with `order_cancel` (releasing their holds, recording `order.cancelled`)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from activities.actor import Actor
from common.admin import MoneyAdmin
from common.errors import DomainError
from trading.models import Order, PairState, Trade
from trading.services import order_cancel

PRICE, BASE, QUOTE = "pair.price_precision", "pair.base.precision", "pair.quote.precision"


class ReadOnlyAdmin(MoneyAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "account",
        "pair",
        "side",
        "order_type",
        "status",
        "price",
        "amount",
        "executed_amount",
        "created_at",
    )
    list_filter = ("status", "side", "order_type", "time_in_force", "pair")
    search_fields = ("=id", "client_order_id", "user__email")
    list_select_related = ("user", "account", "pair__base", "pair__quote")
    ordering = ("-created_at", "-id")
    actions = ("cancel_orders",)
    money_fields = {
        "price": PRICE,
        "stop_price": PRICE,
        "amount": BASE,
        "quote_amount": QUOTE,
        "remaining": BASE,
        "executed_amount": BASE,
        "executed_quote": QUOTE,
        "fee_amount": "fee_currency.precision",
        "maker_rate": None,
        "taker_rate": None,
        "hold_initial": "hold_currency.precision",
        "hold_remaining": "hold_currency.precision",
    }

    @admin.action(
        description="Cancel the selected open orders (releases their holds)", permissions=["cancel"]
    )
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        done = 0
        for order in queryset.select_related("user"):
            try:
                order_cancel(
                    user=order.user,
                    order_id=order.pk,
                    actor=Actor.admin(request),
                    by=request.user,  # type: ignore[arg-type]
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"Order {order.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} order(s) cancelled.")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("trading.cancel_order"))


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "pair",
        "taker_side",
        "price",
        "amount",
        "quote_amount",
        "maker_fee",
        "taker_fee",
        "created_at",
    )
    list_filter = ("pair", "taker_side")
    search_fields = ("=id", "=maker_order__id", "=taker_order__id")
    list_select_related = ("pair__base", "pair__quote", "fee_currency")
    ordering = ("-created_at", "-id")
    money_fields = {
        "price": PRICE,
        "amount": BASE,
        "quote_amount": QUOTE,
        "maker_fee": "fee_currency.precision",
        "taker_fee": "fee_currency.precision",
    }


@admin.register(PairState)
class PairStateAdmin(ReadOnlyAdmin):
    list_display = ("pair", "best_bid", "best_ask", "last_price", "last_trade_at", "updated_at")
    list_select_related = ("pair__base",)
    money_fields = {"best_bid": PRICE, "best_ask": PRICE, "last_price": PRICE, "last_amount": BASE}
