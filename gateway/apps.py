from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = "Trading API gateway"

    def ready(self) -> None:
        # Registers every action module (gateway/actions/*.py) in the registry.
        # Pushes: every domain event emitted after commit becomes a frame on the channel layer.
        from common.events import subscribe
        from gateway import (
            actions,  # noqa: F401
            push,
        )

        subscribe(push.deliver)
