"""The whole fee schedule compiled into plain immutable values, and the per-process copy of it.

`current_fee` runs on every order, so it must not query the database. Each process keeps one compiled copy,
tagged with a version string that lives in the shared cache. A change to any schedule, tier or group sets a new
version after commit (`fees.services.fee_schedule_changed`); the next call in every process sees a version that
differs from its copy and reloads (three queries). The version is read together with the user's cached volume in
one cache round trip.
"""

import logging
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache

from fees.models import FeeSchedule, PairGroup, PairGroupMembership, weekdays_of

logger = logging.getLogger(__name__)

SCHEDULE_VERSION_KEY = "fees:schedule-version"


@dataclass(frozen=True, slots=True)
class Tier:
    number: int  # 1-based, in ascending volume
    min_volume: Decimal
    maker: Decimal
    taker: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    name: str
    description: str
    group_id: int | None
    weekdays: tuple[int, ...]  # empty: every day
    tiers: tuple[Tier, ...]
    thresholds: tuple[Decimal, ...] = field(repr=False)

    def tier_for(self, volume: Decimal) -> Tier:
        """The highest tier whose minimum the volume reaches (a volume equal to a minimum is in that tier)."""
        index = bisect_right(self.thresholds, volume) - 1
        return self.tiers[max(index, 0)]

    def next_tier(self, tier: Tier) -> Tier | None:
        return self.tiers[tier.number] if tier.number < len(self.tiers) else None


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    code: str
    name: str
    description: str
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledSchedules:
    schedules: tuple[Schedule, ...]
    groups: dict[int, Group]
    pair_group: dict[int, int]  # pair id -> group id
    default: Schedule | None
    everyday_by_group: dict[int, Schedule]
    by_weekday: dict[tuple[int | None, int], Schedule]  # (group id or None, weekday) -> schedule

    def pick(self, *, pair_id: int | None, weekday: int) -> Schedule:
        """Weekday schedule of the pair's group, weekday schedule for all pairs, the group's every-day
        schedule, the default; without any, the fallback flat fee from settings."""
        group_id = self.pair_group.get(pair_id) if pair_id is not None else None
        if group_id is not None and (found := self.by_weekday.get((group_id, weekday))):
            return found
        if found := self.by_weekday.get((None, weekday)):
            return found
        if group_id is not None and (found := self.everyday_by_group.get(group_id)):
            return found
        return self.default or fallback_schedule()


def make_schedule(
    *,
    id: int,
    name: str,
    description: str = "",
    group_id: int | None,
    weekdays: tuple[int, ...],
    tiers: list[tuple[Decimal, Decimal, Decimal]],
) -> Schedule:
    ordered = sorted(tiers)
    built = tuple(
        Tier(number=index, min_volume=volume, maker=maker, taker=taker)
        for index, (volume, maker, taker) in enumerate(ordered, start=1)
    )
    return Schedule(
        id=id,
        name=name,
        description=description,
        group_id=group_id,
        weekdays=weekdays,
        tiers=built,
        thresholds=tuple(tier.min_volume for tier in built),
    )


def fallback_schedule() -> Schedule:
    """The flat fee used while no default schedule exists (settings FEES_FALLBACK_*_PERCENT)."""
    return make_schedule(
        id=0,
        name="fallback",
        group_id=None,
        weekdays=(),
        tiers=[
            (
                Decimal(0),
                Decimal(settings.FEES_FALLBACK_MAKER_PERCENT),
                Decimal(settings.FEES_FALLBACK_TAKER_PERCENT),
            )
        ],
    )


def compile_schedules() -> CompiledSchedules:
    """Load every active schedule with its tiers, and the pair groups (three queries)."""
    groups: dict[int, list[str]] = {}
    pair_group: dict[int, int] = {}
    for group_id, pair_id, symbol in PairGroupMembership.objects.values_list(
        "group_id", "pair_id", "pair__symbol"
    ).order_by("pair__symbol"):
        groups.setdefault(group_id, []).append(symbol)
        pair_group[pair_id] = group_id
    group_rows = {
        row.id: Group(
            id=row.id,
            code=row.code,
            name=row.name,
            description=row.description,
            symbols=tuple(groups.get(row.id, ())),
        )
        for row in PairGroup.objects.all()
    }

    schedules: list[Schedule] = []
    default: Schedule | None = None
    everyday_by_group: dict[int, Schedule] = {}
    by_weekday: dict[tuple[int | None, int], Schedule] = {}
    rows = FeeSchedule.objects.filter(is_active=True).prefetch_related("tiers").order_by("id")
    for row in rows:
        tiers = [(tier.min_volume, tier.maker, tier.taker) for tier in row.tiers.all()]
        if not tiers:
            logger.warning("fee schedule %s has no tiers; ignored", row.name)
            continue
        weekdays = tuple(weekdays_of(row.weekday_mask))
        schedule = make_schedule(
            id=row.id,
            name=row.name,
            description=row.description,
            group_id=row.pair_group_id,
            weekdays=weekdays,
            tiers=tiers,
        )
        schedules.append(schedule)
        if not weekdays:
            if row.pair_group_id is None:
                default = schedule
            else:
                everyday_by_group[row.pair_group_id] = schedule
            continue
        for day in weekdays:
            # Overlaps are refused by the admin; should one slip in, the oldest schedule wins, always.
            by_weekday.setdefault((row.pair_group_id, day), schedule)
    return CompiledSchedules(
        schedules=tuple(schedules),
        groups=group_rows,
        pair_group=pair_group,
        default=default,
        everyday_by_group=everyday_by_group,
        by_weekday=by_weekday,
    )


# (version, compiled) of this process. Replaced whole, never mutated, so threads can share it.
_local: tuple[str, CompiledSchedules] | None = None


def shared_version(found: str | None) -> str:
    """The version in the shared cache; when the cache lost it (restart, eviction), a new one, so every
    process reloads."""
    if found is not None:
        return found
    fresh = uuid4().hex
    if cache.add(SCHEDULE_VERSION_KEY, fresh, timeout=None):
        return fresh
    return cache.get(SCHEDULE_VERSION_KEY) or fresh


def compiled_schedules(version: str | None = None, *, known: bool = False) -> CompiledSchedules:
    """This process's compiled schedule, reloaded when the shared version moved.

    Pass `version` with `known=True` when it was already fetched (with the volume, in one round trip).
    """
    global _local  # the per-process copy, swapped whole
    current = shared_version(version if known else cache.get(SCHEDULE_VERSION_KEY))
    held = _local
    if held is not None and held[0] == current:
        return held[1]
    compiled = compile_schedules()
    _local = (current, compiled)
    return compiled


def publish_new_version() -> None:
    """Make every process reload on its next call (run after the change has committed)."""
    global _local
    _local = None
    cache.set(SCHEDULE_VERSION_KEY, uuid4().hex, timeout=None)
