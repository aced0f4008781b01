"""The ASGI application: HTTP (the same Django views as WSGI) and the WebSocket door (gateway/routing.py).

Served by uvicorn: `manage.py serve` (demo app) in the embedded mode (`make run`), `uvicorn config.asgi:application` for
the `ws` service in production. The frontend's own socket carries the user's login in its session cookie
(gateway/routing.py reads it at the upgrade).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
http_application = get_asgi_application()  # sets Django up before the consumers are imported

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

if settings.DEBUG:
    # The embedded mode serves the admin's static files itself, as runserver did (whitenoise does it with
    # DEBUG off, on the WSGI side).
    http_application = ASGIStaticFilesHandler(http_application)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from gateway.routing import BrowserOriginValidator, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": BrowserOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
