from decimal import Decimal

import factory

from fees.models import (
    FeeSchedule,
    FeeTier,
    PairGroup,
    PairGroupMembership,
    VolumeBucket,
    weekday_mask,
)


class PairGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PairGroup
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"group-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())

    @factory.post_generation
    def members(self, create: bool, extracted: list | None, **kwargs: object) -> None:  # type: ignore[type-arg]
        for pair in extracted or []:
            PairGroupMembership.objects.create(group=self, pair=pair)


class FeeScheduleFactory(factory.django.DjangoModelFactory):
    """`tiers=[(volume, maker, taker), ...]` (strings or Decimals); `days=[5, 6]` for a weekday schedule."""

    class Meta:
        model = FeeSchedule
        skip_postgeneration_save = True

    class Params:
        days = ()

    name = factory.Sequence(lambda n: f"Schedule {n}")
    weekday_mask = factory.LazyAttribute(lambda o: weekday_mask(o.days))

    @factory.post_generation
    def tiers(self, create: bool, extracted: list | None, **kwargs: object) -> None:  # type: ignore[type-arg]
        for volume, maker, taker in extracted or [("0", "0.1", "0.2")]:
            FeeTier.objects.create(
                schedule=self,
                min_volume=Decimal(volume),
                maker=Decimal(maker),
                taker=Decimal(taker),
            )


class VolumeBucketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolumeBucket

    usd_volume = Decimal("1000")
