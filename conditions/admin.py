"""Admin for currencies, networks and pairs.

Pair changes go through `pair_create` / `pair_update`, which validate the conditions as a whole and record who
changed what; the change form shows that history. Currency and network rules are the models' constraints, which
the admin's forms validate before saving.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from activities.actor import Actor
from common.admin import MoneyAdmin, MoneyTabularInline
from conditions.models import ORDER_TYPES, TIME_IN_FORCE, Currency, Network, Pair, PairStatus
from conditions.selectors import pair_change_history
from conditions.services import CREATE_FIELDS, EDITABLE_FIELDS, pair_create, pair_update
from conditions.validation import pair_conditions_problems


class NetworkInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        defaults = [
            form.cleaned_data.get("code")
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("is_default")
        ]
        if len(defaults) > 1:
            raise forms.ValidationError("Only one network per currency can be the default.")


class NetworkInline(MoneyTabularInline):
    model = Network
    formset = NetworkInlineFormSet
    extra = 0
    fields = (
        "code",
        "type",
        "is_default",
        "deposit_enabled",
        "withdrawal_enabled",
        "min_deposit",
        "min_withdrawal",
        "withdrawal_fee",
        "withdrawal_fee_percent",
        "confirmations",
    )


@admin.register(Currency)
class CurrencyAdmin(MoneyAdmin):
    money_fields = {"usd_rate": None}

    list_display = (
        "code",
        "name",
        "is_fiat",
        "precision",
        "wallet_precision",
        "wallet_deposit_enabled",
        "wallet_withdrawal_enabled",
        "usd_rate",
    )
    list_filter = ("is_fiat", "wallet_deposit_enabled", "wallet_withdrawal_enabled")
    search_fields = ("code", "name")
    inlines = [NetworkInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Currency | None = None
    ) -> tuple[str, ...]:
        # The code is the primary key the ledger's balances point at: fixed once created.
        return ("code",) if obj is not None else ()


class PairAdminForm(forms.ModelForm):
    order_types = forms.MultipleChoiceField(
        choices=[(item, item) for item in ORDER_TYPES], widget=forms.CheckboxSelectMultiple
    )
    time_in_force = forms.MultipleChoiceField(
        choices=[(item, item) for item in TIME_IN_FORCE], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Pair
        fields = CREATE_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values: dict[str, Any] = {}
        if self.instance.pk is not None:
            values = {field: getattr(self.instance, field) for field in ("base", "quote")}
        values.update(cleaned)
        for field, problems in pair_conditions_problems(values).items():
            if field in self.fields and field not in self.errors:
                for problem in problems:
                    self.add_error(field, problem)
            elif field not in self.fields:
                self.add_error(None, f"{field}: {' '.join(problems)}")
        return cleaned


def _set_status(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Pair], status: str
) -> None:
    for pair in queryset:
        pair_update(
            pair=pair, user=request.user, changes={"status": status}, actor=Actor.admin(request)
        )
    modeladmin.message_user(
        request, f"{queryset.count()} pair(s) set to {PairStatus(status).label}.", messages.SUCCESS
    )


@admin.action(description="Halt trading (no orders, no cancels)", permissions=["change"])
def halt(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Pair]) -> None:
    _set_status(modeladmin, request, queryset, PairStatus.HALTED)


@admin.action(description="Cancel only (no new orders)", permissions=["change"])
def cancel_only(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Pair]
) -> None:
    _set_status(modeladmin, request, queryset, PairStatus.CANCEL_ONLY)


@admin.action(description="Resume trading", permissions=["change"])
def resume(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Pair]) -> None:
    _set_status(modeladmin, request, queryset, PairStatus.TRADING)


@admin.register(Pair)
class PairAdmin(MoneyAdmin):
    form = PairAdminForm
    money_fields = {
        "tick_size": "price_precision",
        "min_price": "price_precision",
        "max_price": "price_precision",
        "lot_size": "base_precision",
        "min_amount": "base_precision",
        "max_amount": "base_precision",
        "min_value": "quote_precision",
        "max_value": "quote_precision",
    }
    list_display = (
        "symbol",
        "status",
        "tick_size",
        "lot_size",
        "min_amount",
        "max_amount",
        "min_value",
        "max_value",
        "fee_currency",
        "updated_at",
    )
    list_filter = ("status", "quote", "base")
    search_fields = ("symbol",)
    list_select_related = ("fee_currency",)
    actions = [halt, cancel_only, resume]
    fieldsets = (
        (None, {"fields": ("symbol", "base", "quote", "status", "fee_currency")}),
        ("Price", {"fields": ("tick_size", "min_price", "max_price")}),
        ("Amount (base)", {"fields": ("lot_size", "min_amount", "max_amount", "base_precision")}),
        ("Value (quote)", {"fields": ("min_value", "max_value", "quote_precision")}),
        ("Orders", {"fields": ("order_types", "time_in_force")}),
        ("History", {"fields": ("created_at", "updated_at", "change_history")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Pair | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("symbol", "created_at", "updated_at", "change_history")
        return ("symbol", "base", "quote", "created_at", "updated_at", "change_history")

    def has_delete_permission(self, request: HttpRequest, obj: Pair | None = None) -> bool:
        return False  # orders and balances refer to pairs; halt a pair instead

    @admin.display(description="Change history")
    def change_history(self, obj: Pair) -> SafeString | str:
        if obj.pk is None:
            return "-"
        rows = pair_change_history(symbol=obj.symbol)
        if not rows:
            return "No recorded changes."
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{row.created_at:%Y-%m-%d %H:%M:%S} UTC",
                    row.user.email,
                    "; ".join(
                        f"{field}: {change.get('old')} → {change.get('new')}"
                        for field, change in row.details.get("changes", {}).items()
                    ),
                )
                for row in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>Who</th><th>What</th></tr></thead><tbody>{}</tbody>"
            "</table>",
            body,
        )

    def save_model(
        self, request: HttpRequest, obj: Pair, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            changes = {
                field: form.cleaned_data[field]
                for field in EDITABLE_FIELDS
                if field in form.cleaned_data
            }
            saved = pair_update(
                pair=obj, user=request.user, changes=changes, actor=Actor.admin(request)
            )
        else:
            values = {field: form.cleaned_data[field] for field in CREATE_FIELDS}
            saved = pair_create(user=request.user, values=values, actor=Actor.admin(request))
        # The admin goes on with `obj` (log entry, redirect): make it the saved row.
        obj.pk, obj.symbol = saved.pk, saved.symbol
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
