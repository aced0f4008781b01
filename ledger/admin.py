"""Ledger admin: accounts, balances and the journal are read-only; credits and the address pool go through
services."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from accounts.models import User
from accounts.services import totp_require
from activities.actor import Actor
from common.admin import MoneyAdmin, MoneyTabularInline
from common.errors import DomainError
from ledger import services
from ledger.models import (
    Account,
    AccountKind,
    Balance,
    DepositAddress,
    JournalEntry,
    JournalTransaction,
)

CURRENCY = "currency.precision"


class ReadOnlyAdmin(MoneyAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BalanceInline(MoneyTabularInline):
    model = Balance
    money_fields = {"total": CURRENCY, "on_hold": CURRENCY}
    fields = ("currency", "total", "on_hold", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CreditForm(forms.Form):
    """Minting money: a reason for the record and a fresh code from the staff member's authenticator."""

    currency = forms.CharField(max_length=10)
    amount = forms.CharField(max_length=40)
    reason = forms.CharField(
        max_length=255, help_text="Why this money enters (kept in the journal)."
    )
    code = forms.RegexField(
        r"^\s*\d{6,8}\s*$",
        label="Your authenticator code",
        help_text="A fresh code from your own authenticator app confirms the credit.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_amount(self) -> Decimal:
        try:
            amount = Decimal(self.cleaned_data["amount"].strip())
        except InvalidOperation:
            raise forms.ValidationError("Enter a decimal amount.") from None
        if not amount.is_finite():
            raise forms.ValidationError("Enter a decimal amount.")
        return amount

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give the reason for this credit.")
        return reason


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "kind", "name", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "user__public_id", "name")
    list_select_related = ("user",)
    inlines = [BalanceInline]
    actions = ["credit_wallet"]

    @admin.action(
        description="Credit the wallet of the selected accounts' users", permissions=["credit"]
    )
    def credit_wallet(
        self, request: HttpRequest, queryset: QuerySet[Account]
    ) -> HttpResponse | None:
        users = list(
            User.objects.filter(pk__in=queryset.exclude(kind=AccountKind.SYSTEM).values("user_id"))
        )
        form = CreditForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            actor = Actor.admin(request)
            try:
                # Checked once for the whole batch, before any money moves; a wrong code is recorded.
                totp_require(
                    user=request.user,  # type: ignore[arg-type]
                    code=form.cleaned_data["code"],
                    actor=actor,
                    purpose="admin_credit",
                )
            except DomainError as exc:
                form.add_error("code", exc.message)
            else:
                for user in users:
                    try:
                        journal_tx = services.wallet_credit(
                            user=user,
                            currency=form.cleaned_data["currency"],
                            amount=form.cleaned_data["amount"],
                            note=form.cleaned_data["reason"],
                            by=request.user,  # type: ignore[arg-type]
                            actor=actor,
                        )
                    except DomainError as exc:
                        self.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
                        continue
                    self.message_user(
                        request, f"{user.email}: credited (transaction {journal_tx.pk})"
                    )
                return HttpResponseRedirect(request.get_full_path())
        return render(
            request,
            "admin/ledger/credit_wallet.html",
            {
                **self.admin_site.each_context(request),
                "title": "Credit wallets",
                "form": form,
                "users": users,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    def has_credit_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("ledger.credit_wallet"))


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("account", "currency", "total", "on_hold", "updated_at")
    list_filter = ("currency", "account__kind")
    search_fields = ("account__user__email", "account__name")
    list_select_related = ("account", "account__user", "currency")
    money_fields = {"total": CURRENCY, "on_hold": CURRENCY}


class JournalEntryInline(MoneyTabularInline):
    model = JournalEntry
    money_fields = {"amount": CURRENCY, "balance_after": CURRENCY}
    fields = ("account", "currency", "amount", "balance_after")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "user", "client_tx_id", "description", "created_at")
    list_filter = ("type",)
    search_fields = ("user__email", "client_tx_id", "reference")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = [JournalEntryInline]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "transaction",
        "account",
        "currency",
        "amount",
        "balance_after",
        "created_at",
    )
    list_filter = ("currency", "transaction__type")
    search_fields = ("account__user__email",)
    list_select_related = ("transaction", "account", "currency")
    money_fields = {"amount": CURRENCY, "balance_after": CURRENCY}


class DepositAddressLoadForm(forms.Form):
    currency = forms.CharField(max_length=10)
    network = forms.CharField(max_length=32, help_text="Blockchain id, e.g. bitcoin, ERC20.")
    addresses = forms.CharField(
        widget=forms.Textarea, help_text="One address per line; 'address memo' for memo coins."
    )


@admin.register(DepositAddress)
class DepositAddressAdmin(admin.ModelAdmin):
    """The pool: add addresses one at a time or in bulk ("Load addresses"); assigned ones stay read-only."""

    list_display = ("address", "currency", "network", "memo", "account", "assigned_at")
    list_filter = ("currency", "network", ("account", admin.EmptyFieldListFilter))
    search_fields = ("address", "account__user__email")
    list_select_related = ("account", "account__user")
    fields = ("currency", "network", "address", "memo", "account", "assigned_at")
    readonly_fields = ("account", "assigned_at")
    change_list_template = "admin/ledger/depositaddress/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.account_id is None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.account_id is None

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path(
                "load/",
                self.admin_site.admin_view(self.load_view),
                name="ledger_depositaddress_load",
            ),
            *super().get_urls(),
        ]

    def load_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponseRedirect("..")
        form = DepositAddressLoadForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            pairs = []
            for line in form.cleaned_data["addresses"].splitlines():
                parts = line.split()
                if parts:
                    pairs.append((parts[0], parts[1] if len(parts) > 1 else ""))
            try:
                added = services.deposit_addresses_load(
                    currency=form.cleaned_data["currency"],
                    network=form.cleaned_data["network"],
                    addresses=pairs,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"{added} address(es) added to the pool.")
                return HttpResponseRedirect("..")
        return render(
            request,
            "admin/ledger/depositaddress/load.html",
            {
                **self.admin_site.each_context(request),
                "title": "Load deposit addresses",
                "form": form,
                "opts": self.model._meta,
            },
        )
