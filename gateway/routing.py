"""WebSocket routes (cexio-ws-protocol.md §1.1: no trailing slash, but accept one)."""

from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.urls import re_path

from gateway.consumers import PrivateConsumer, PublicConsumer


class SessionUser:
    """The private socket's `scope["user"]`: the user of the frontend's session cookie, read once at the upgrade.

    channels' `AuthMiddlewareStack` does the same, but also wraps `send`, so every frame the socket is ever sent
    passes its session checks: as much CPU as writing the frame (bench/ws.py, profiled). Bots send no cookie and
    cost nothing here; the public socket has no user at all."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookie = dict(scope.get("headers") or []).get(b"cookie", b"")
        session_key = parse_cookie(cookie.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
        user: Any = AnonymousUser()
        if session_key:
            session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
            user = await get_user({"session": session})
        return await self.app({**scope, "user": user}, receive, send)


websocket_urlpatterns = [
    re_path(r"^api/spot/ws-public/?$", PublicConsumer.as_asgi()),
    re_path(r"^api/spot/ws/?$", SessionUser(PrivateConsumer.as_asgi())),
]


class BrowserOriginValidator(OriginValidator):
    """Refuse a cross-site browser: an `Origin` header must name one of `ALLOWED_HOSTS` (a page elsewhere cannot
    open a socket that carries the user's session). Bots (the official Node client, ccxt) send no `Origin`."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, settings.ALLOWED_HOSTS)

    def valid_origin(self, parsed_origin: Any) -> bool:
        return parsed_origin is None or super().valid_origin(parsed_origin)
