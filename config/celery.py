"""The Celery app. Tasks are autodiscovered from every installed app's tasks.py; schedules live here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("exchange")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work (run by `celery beat`). Apps add their schedules here, next to each other.
app.conf.beat_schedule = {}
