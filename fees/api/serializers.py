from rest_framework import serializers

from conditions.api.fields import PlainDecimalField


class TierOutputSerializer(serializers.Serializer):
    tier = serializers.IntegerField(source="number", help_text="1-based, by ascending volume.")
    min_volume = PlainDecimalField(help_text="30-day USD volume from which it applies (inclusive).")
    maker = PlainDecimalField(help_text="Percent: 0.1 means 0.1 %.")
    taker = PlainDecimalField(help_text="Percent.")


class FeeQuoteOutputSerializer(serializers.Serializer):
    schedule = serializers.CharField()
    tier = serializers.IntegerField()
    tier_min_volume = PlainDecimalField()
    maker = PlainDecimalField(help_text="Percent.")
    taker = PlainDecimalField(help_text="Percent.")
    next_tier = TierOutputSerializer(allow_null=True)
    volume_to_next_tier = PlainDecimalField(
        allow_null=True,
        help_text="USD of 30-day volume still needed for the next tier; null at the top.",
    )


class PairFeeOutputSerializer(serializers.Serializer):
    schedule = serializers.CharField()
    tier = serializers.IntegerField()
    maker = PlainDecimalField()
    taker = PlainDecimalField()


class PairGroupOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    pairs = serializers.ListField(child=serializers.CharField(), source="symbols")


class ScheduleOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    pair_group = PairGroupOutputSerializer(allow_null=True, help_text="null: every pair.")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(), help_text="UTC weekdays, Monday = 0; empty = every day."
    )
    applies_now = serializers.BooleanField(help_text="Used for at least one pair right now.")
    tiers = TierOutputSerializer(many=True)


class FeeOverviewOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The moment the figures are for (now).")
    period = serializers.CharField(help_text='"30d".')
    currency = serializers.CharField(help_text='"USD".')
    volume_30d = PlainDecimalField(help_text="My traded USD volume over the last 30 UTC days.")
    current = FeeQuoteOutputSerializer(help_text="My rates now on pairs without a group schedule.")
    pairs = serializers.DictField(
        child=PairFeeOutputSerializer(), help_text="My rates now, per pair."
    )
    schedules = ScheduleOutputSerializer(many=True)
