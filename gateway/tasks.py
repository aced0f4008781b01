from celery import shared_task

from gateway.replay import prune


@shared_task(name="gateway.replay_prune_task", ignore_result=True)
def replay_prune_task() -> int:
    """Beat: delete request fingerprints whose timestamp window is over (safe to run twice)."""
    return prune()
