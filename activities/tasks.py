"""Celery shims for activities (schedules live in config/celery.py)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from activities.services import activity_prune


@shared_task(name="activities.activities_prune_task")
def activities_prune_task() -> int:
    """Apply the retention policy for system-generated rows (`ACTIVITIES_SYSTEM_RETENTION_DAYS`; 0 keeps all)."""
    days = settings.ACTIVITIES_SYSTEM_RETENTION_DAYS
    if days <= 0:
        return 0
    return activity_prune(before=timezone.now() - timedelta(days=days))
