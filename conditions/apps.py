from django.apps import AppConfig


class ConditionsConfig(AppConfig):
    """Currencies, their networks, and the trading conditions of every pair."""

    name = "conditions"
    verbose_name = "Trading conditions"
