"""The Celery app. Tasks are autodiscovered from every installed app's tasks.py; schedules live here."""

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("exchange")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs: Any) -> None:
    """Periodic work (run by `celery beat`). Apps add their schedules here, next to each other.

    Built once the configuration is read, from Django's settings: those come from the environment AND `.env`,
    which the settings module loads (reading `os.environ` here, at import, missed `.env`).
    """

    sender.conf.beat_schedule = {
        # Recompute every trader's cached 30-day volume and prune old volume buckets.
        "fees-volume-refresh": {"task": "fees.volume_refresh_task", "schedule": 600.0},
        # Release clientOrderIds past their window and prune the matcher's command log. (GTD expiry and stop
        # triggers are the matchers' own timed commands, every TRADING_EXPIRY_INTERVAL_S.)
        "trading-housekeeping": {"task": "trading.housekeeping_task", "schedule": 60.0},
        # Forget the replay guard's request fingerprints once their timestamp window is over.
        "gateway-replay-prune": {"task": "gateway.replay_prune_task", "schedule": 60.0},
        # Retention of system-generated activity rows (ACTIVITIES_SYSTEM_RETENTION_DAYS).
        "activities-prune": {"task": "activities.activities_prune_task", "schedule": 3600.0},
    }
