"""Filters of the activity listing: a period (preset or from/to) and one or several action types."""

from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from activities.models import Activity, ActivityType

PERIODS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


class CommaSeparatedChoiceField(forms.MultipleChoiceField):
    """Accepts `?action=a&action=b` and `?action=a,b` alike."""

    def to_python(self, value: Any) -> list[str]:
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, in UTC. PostgreSQL refuses offsets beyond ±16 hours that Python accepts (`+19:20`), and
    a moment near year 1 or 9999 may not exist in UTC at all: both are a 400 naming the parameter, not a 500."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError(
                "Enter a date/time that exists in UTC.", code="invalid"
            ) from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ActionFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaSeparatedChoiceField


class ActivityFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end, period = data.get("from"), data.get("to"), data.get("period")
        if period and (start or end):
            raise forms.ValidationError("Give either a period or from/to, not both.")
        if start and end and start > end:
            raise forms.ValidationError("'from' must not be later than 'to'.")
        return data


class ActivityFilter(django_filters.FilterSet):
    period = django_filters.ChoiceFilter(
        choices=[(key, key) for key in PERIODS],
        method="filter_period",
        help_text="A preset window ending now: 24h, 7d, 30d or 90d.",
    )
    from_ = UtcIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        label="from",
        help_text="ISO 8601 datetime; rows at or after it.",
    )
    to = UtcIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lte",
        help_text="ISO 8601 datetime; rows at or before it.",
    )
    action = ActionFilter(
        choices=ActivityType.choices,
        help_text="One or several action types, repeated or comma-separated.",
    )

    class Meta:
        model = Activity
        fields: list[str] = []
        form = ActivityFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the attribute is `from_`; the query parameter is `from`.
        self.filters["from"] = self.filters.pop("from_")

    def filter_period(
        self, queryset: QuerySet[Activity], name: str, value: str
    ) -> QuerySet[Activity]:
        return queryset.filter(created_at__gte=timezone.now() - PERIODS[value])
