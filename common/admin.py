"""Money on admin pages, by the one display rule (common.money): list columns and read-only fields show each
amount with its currency's precision (`display_amount`); editable inputs show a plain decimal (`plain_amount`). Never
`1.0000E-8`, `0E-12` or the storage's twelve decimals.

    class OrderAdmin(MoneyAdmin, admin.ModelAdmin):
        money_fields = {"price": "pair.price_precision", "amount": "pair.base.precision"}

`money_fields` maps a field to the dotted path, from the row, of the number of decimals it is shown with.
"""

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import reduce
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin
from django.db import models
from django.http import HttpRequest

from common.money import display_amount, plain_amount


class PlainDecimalInput(forms.TextInput):
    """A decimal input that shows `0.00000001`, not `1.0000E-8`, and `5`, not `5.000000000000`."""

    input_type = "text"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal):
            return plain_amount(value)
        return super().format_value(value)


PLAIN_DECIMALS = {
    models.DecimalField: {"widget": PlainDecimalInput(attrs={"inputmode": "decimal"})}
}


def _resolve(row: Any, path: str) -> int | None:
    """The decimals at `path` (`pair.base.precision`), or None when a link on the way is empty."""
    return reduce(
        lambda obj, name: None if obj is None else getattr(obj, name), path.split("."), row
    )


class MoneyMixin(BaseModelAdmin):  # type: ignore[type-arg]
    """For a ModelAdmin or an inline: money fields that are read-only (listed in `readonly_fields`, or the whole
    page is view-only) are shown formatted; editable ones get the plain-decimal input."""

    money_fields: ClassVar[
        dict[str, str | None]
    ] = {}  # field -> path to its decimals (None: plain)
    formfield_overrides = PLAIN_DECIMALS  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, places in self.money_fields.items():
            setattr(self, _shown(name), self._display(name, places))

    def _display(self, name: str, places: str | None) -> Callable[[Any], str]:
        field = self.model._meta.get_field(name)  # type: ignore[attr-defined]

        def shown(row: Any) -> str:
            value = getattr(row, name)
            if value is None:
                return "-"
            decimals = None if places is None else _resolve(row, places)
            return plain_amount(value) if decimals is None else display_amount(value, decimals)

        shown.short_description = field.verbose_name  # type: ignore[attr-defined]
        shown.admin_order_field = name  # type: ignore[attr-defined]
        return shown

    def _swap(self, names: Sequence[Any], which: set[str] | None = None) -> list[Any]:
        which = set(self.money_fields) if which is None else which
        swapped = [_shown(n) if isinstance(n, str) and n in which else n for n in names]
        return list(dict.fromkeys(swapped))

    def _view_only(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)  # type: ignore[attr-defined]

    def _readonly_money(self, request: HttpRequest, obj: Any) -> set[str]:
        if self._view_only(request, obj):
            return set(self.money_fields)
        raw = super().get_readonly_fields(request, obj)  # type: ignore[misc]
        return {name for name in raw if name in self.money_fields}

    def get_readonly_fields(  # type: ignore[override]
        self, request: HttpRequest, obj: Any = None
    ) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        money = self._readonly_money(request, obj)
        return self._swap([*readonly, *sorted(money)], money)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))  # type: ignore[misc]
        return self._swap(fields, self._readonly_money(request, obj))

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return self._swap(super().get_list_display(request))  # type: ignore[misc]


class MoneyAdmin(MoneyMixin, admin.ModelAdmin):
    pass


class MoneyTabularInline(MoneyMixin, admin.TabularInline):
    pass


def _shown(name: str) -> str:
    return f"{name}_shown"
