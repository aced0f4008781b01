from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = "Trading API gateway"

    def ready(self) -> None:
        # Registers every action module (gateway/actions/*.py) in the registry.
        from gateway import actions  # noqa: F401
