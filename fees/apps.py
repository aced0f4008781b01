from django.apps import AppConfig


class FeesConfig(AppConfig):
    """Fee schedules (tiers by 30-day USD volume, pair groups, weekday rules) and the 30-day volume."""

    name = "fees"
    verbose_name = "Fees"
