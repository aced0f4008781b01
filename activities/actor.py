"""Who acted: the one value every recording service takes (`actor=`) and passes down to `record()`.

An activity row says where a change came from (`source`), from which address (`ip`) and, for the trading API,
with which key (`api_key`, the key's public id: never a secret). Build one at the door with the constructor that
names it, and hand it down unchanged; no service guesses who called it.
"""

from dataclasses import dataclass, replace

from django.http import HttpRequest

from activities.models import Source
from common.client_ip import client_ip


@dataclass(frozen=True, slots=True)
class Actor:
    ip: str | None
    source: str
    api_key: str = ""

    def on_key(self, public_id: str) -> "Actor":
        """The same actor, with its rows naming API key `public_id` (the key an `apikey.*` event is about)."""
        return replace(self, api_key=public_id)

    @classmethod
    def web(cls, request: HttpRequest) -> "Actor":
        """A customer through the frontend JSON API (session), from the request's client IP."""
        return cls(ip=client_ip(request), source=Source.WEB)

    @classmethod
    def admin(cls, request: HttpRequest) -> "Actor":
        """A staff member through the admin site, from the request's client IP."""
        return cls(ip=client_ip(request), source=Source.ADMIN)

    @classmethod
    def gateway(cls, *, ip: str | None, api_key: str) -> "Actor":
        """A signed trading-API call: the client IP and the public id of the key that signed it."""
        return cls(ip=ip, source=Source.GATEWAY, api_key=api_key)

    @classmethod
    def operator(cls) -> "Actor":
        """Someone at the server's command line (management commands)."""
        return cls(ip=None, source=Source.OPERATOR)

    @classmethod
    def system(cls) -> "Actor":
        """The exchange itself: periodic tasks, the matcher's side of a fill, demo data."""
        return cls(ip=None, source=Source.SYSTEM)
