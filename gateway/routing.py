"""WebSocket routes (cexio-ws-protocol.md §1.1: no trailing slash, but accept one)."""

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import re_path

from gateway.consumers import PrivateConsumer, PublicConsumer

websocket_urlpatterns = [
    re_path(r"^api/spot/ws-public/?$", PublicConsumer.as_asgi()),
    re_path(r"^api/spot/ws/?$", PrivateConsumer.as_asgi()),
]


class BrowserOriginValidator(OriginValidator):
    """Refuse a cross-site browser: an `Origin` header must name one of `ALLOWED_HOSTS` (a page elsewhere cannot
    open a socket that carries the user's session). Bots (the official Node client, ccxt) send no `Origin`."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, settings.ALLOWED_HOSTS)

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is None or super().valid_origin(parsed_origin)
