from decimal import Decimal

from rest_framework import serializers

from conditions.validation import plain


class PlainDecimalField(serializers.DecimalField):
    """A read-only Decimal as a plain string without padding or exponent ("0.0001", "100")."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=None, coerce_to_string=True, **kwargs)

    def to_representation(self, value: Decimal) -> str:
        return plain(Decimal(value))
