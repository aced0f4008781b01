from celery import shared_task

from fees.services import volume_refresh


@shared_task(name="fees.volume_refresh_task", ignore_result=True)
def volume_refresh_task() -> int:
    """Beat: recompute the cached 30-day volumes and prune old buckets (safe to run twice)."""
    return volume_refresh()
