"""Money in the frontend JSON, by the one display rule (common.money.display_amount): each amount with its
currency's precision (prices with the pair's), fixed-point, as a string. The gateway keeps the protocol's own
formats."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from common.money import DECIMAL_PLACES, MAX_DIGITS, display_amount, plain_amount

# (row, serializer context) -> the decimals to show, or None for a plain decimal.
Places = Callable[[Any, dict[str, Any]], int | None]


class MoneyField(serializers.DecimalField):
    """A read-only amount shown with `places(row, context)` decimals."""

    def __init__(self, *, places: Places, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        if value is None:
            return None
        return Decimal(value), self.places(instance, self.context)

    def to_representation(self, value: Any) -> str:
        amount, places = value
        return plain_amount(amount) if places is None else display_amount(amount, places)
