from rest_framework import serializers

from conditions.api.fields import PlainDecimalField
from conditions.models import PairStatus


class PairOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text='"BASE-QUOTE", the protocol pair id.')
    base = serializers.CharField(source="base_id")
    quote = serializers.CharField(source="quote_id")
    status = serializers.ChoiceField(choices=PairStatus.choices)
    tick_size = PlainDecimalField(help_text="Price step in quote currency.")
    price_precision = serializers.IntegerField(
        help_text="Decimals of the tick size (protocol pricePrecision)."
    )
    min_price = PlainDecimalField()
    max_price = PlainDecimalField()
    lot_size = PlainDecimalField(help_text="Amount step in base currency.")
    min_amount = PlainDecimalField(help_text="Minimum order amount in base.")
    max_amount = PlainDecimalField(help_text="Maximum order amount in base.")
    min_value = PlainDecimalField(help_text="Minimum order value (amount x price) in quote.")
    max_value = PlainDecimalField(help_text="Maximum order value (amount x price) in quote.")
    base_precision = serializers.IntegerField()
    quote_precision = serializers.IntegerField()
    fee_currency = serializers.CharField(source="fee_currency_id")
    order_types = serializers.ListField(child=serializers.CharField())
    time_in_force = serializers.ListField(child=serializers.CharField())
    updated_at = serializers.DateTimeField(help_text="When these conditions last changed.")
