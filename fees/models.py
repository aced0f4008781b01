"""Fee schedules and the 30-day volume buckets.

A schedule is a list of tiers by 30-day USD volume, each with a maker and a taker rate in PERCENT ("0.25" is
0.25 %). A schedule applies to every pair (no group) or to one pair group, on every day (no weekdays) or on chosen
UTC weekdays. Precedence, first match wins: weekday schedule of the pair's group, weekday schedule for all pairs,
the group's every-day schedule, the default (every day, all pairs).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from common.models import TimeStamped
from common.money import AmountField, plain_amount
from conditions.models import Pair

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKEND_MASK = (1 << 5) | (1 << 6)
RATE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


def weekday_mask(days: list[int] | tuple[int, ...] | set[int]) -> int:
    """Python weekdays (Monday = 0) as a bit mask; bit d set = applies on weekday d."""
    mask = 0
    for day in days:
        if not 0 <= int(day) <= 6:
            raise ValueError(f"weekday out of range: {day}")
        mask |= 1 << int(day)
    return mask


def weekdays_of(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


class PairGroup(models.Model):
    """A named set of pairs with their own fee schedules (protocol `perTier.<code>`). A pair is in at most one."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=255, blank=True)
    pairs: "models.ManyToManyField[Pair, PairGroupMembership]" = models.ManyToManyField(
        Pair, through="PairGroupMembership", related_name="+"
    )

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class PairGroupMembership(models.Model):
    group = models.ForeignKey(PairGroup, on_delete=models.CASCADE, related_name="memberships")
    # One group per pair, enforced by the database: otherwise two group schedules could claim one pair.
    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.pair} in {self.group}"


class FeeSchedule(TimeStamped):
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=255, blank=True)
    pair_group = models.ForeignKey(
        PairGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedules",
        help_text="Empty: every pair (without a schedule of its group).",
    )
    weekday_mask = models.PositiveSmallIntegerField(
        default=0, help_text="UTC weekdays it applies on (bit 0 = Monday); 0 = every day."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("pair_group_id", "weekday_mask", "name")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday_mask__lte=127), name="fee_schedule_weekday_mask"
            ),
            # One every-day schedule for all pairs (the default), and one per group.
            models.UniqueConstraint(
                fields=["weekday_mask"],
                condition=Q(pair_group__isnull=True, weekday_mask=0, is_active=True),
                name="fee_schedule_one_default",
                violation_error_message="There is already an active default schedule (every day, all pairs).",
            ),
            models.UniqueConstraint(
                fields=["pair_group"],
                condition=Q(pair_group__isnull=False, weekday_mask=0, is_active=True),
                name="fee_schedule_one_everyday_per_group",
                violation_error_message="This pair group already has an active every-day schedule.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weekdays(self) -> list[int]:
        return weekdays_of(self.weekday_mask)


class FeeTier(models.Model):
    """From `min_volume` USD of 30-day volume (inclusive) up to the next tier's, these rates apply."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="tiers")
    min_volume = AmountField(
        validators=[MinValueValidator(0)],
        help_text="30-day USD volume from which this tier applies (inclusive).",
    )
    maker = AmountField(
        validators=RATE_VALIDATORS, help_text="Maker rate in percent (0.1 = 0.1 %)."
    )
    taker = AmountField(
        validators=RATE_VALIDATORS, help_text="Taker rate in percent (0.2 = 0.2 %)."
    )

    class Meta:
        ordering = ("schedule_id", "min_volume")
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "min_volume"], name="fee_tier_unique_volume"
            ),
            models.CheckConstraint(
                condition=Q(min_volume__gte=0), name="fee_tier_volume_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(maker__gte=0, maker__lte=100, taker__gte=0, taker__lte=100),
                name="fee_tier_rates_0_100",
                violation_error_message="Rates are percentages between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule}: from {plain_amount(self.min_volume)} USD"


class VolumeBucket(models.Model):
    """One user's traded USD volume on one UTC day; the 30-day volume is the sum of the window's buckets."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    usd_volume = AmountField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="volume_bucket_unique_user_day"),
            models.CheckConstraint(
                condition=Q(usd_volume__gte=0), name="volume_bucket_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="volume_bucket_day")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}: {self.usd_volume} USD"
