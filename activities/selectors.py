from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from activities.filters import ActivityFilter
from activities.models import Activity


def activity_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Activity]:
    """The user's activity rows, newest first, narrowed by `filters` (see `ActivityFilter`).

    Raises Django's `ValidationError` with per-parameter messages when a filter is malformed.
    """
    base = Activity.objects.filter(user=user).order_by("-created_at", "-id")
    filterset = ActivityFilter(data=filters or {}, queryset=base)
    if not filterset.is_valid():
        raise ValidationError(
            {
                "non_field_errors" if field == "__all__" else field: problems
                for field, problems in filterset.errors.items()
            }
        )
    return filterset.qs
