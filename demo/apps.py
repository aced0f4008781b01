from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`: it may import every app, and nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
