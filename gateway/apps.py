from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = "Trading API gateway"

    def ready(self) -> None:
        # Registers every action module (gateway/actions/*.py) in the registry.
        # Pushes: every domain event emitted after commit becomes a frame on the channel layer.
        from django.db.models.signals import post_delete, post_save

        from common.events import subscribe
        from conditions.models import Currency
        from gateway import (
            actions,  # noqa: F401
            push,
        )
        from ledger.models import Account

        subscribe(push.deliver)
        for model in (Account, Currency):
            post_save.connect(
                push.forget, sender=model, dispatch_uid=f"push-forget-{model.__name__}"
            )
            post_delete.connect(
                push.forget, sender=model, dispatch_uid=f"push-forget-del-{model.__name__}"
            )
