"""Serve HTTP and the WebSockets from one process (the embedded mode of `make run`; the demo app exists only
with DEBUG on): uvicorn on `config.asgi:application`, on 127.0.0.1:<port>, and with `--tls-port` also
HTTPS/WSS there with a certificate from a local CA (common/tls.py, files in `.tls/`).

One process, so the in-memory channel layer reaches every socket; `--market-maker` runs the demo market maker
in a thread of it for the same reason (its order events are pushed to the sockets). Production runs
gunicorn (HTTP) and uvicorn (the `ws` service) instead.
"""

import asyncio
import logging
import random
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from common import tls
from config import ws_server

logger = logging.getLogger(__name__)
EMBEDDED_COMMAND_LOG_S = 600.0

SERVER_OPTIONS: dict[str, Any] = {"lifespan": "off", **ws_server.OPTIONS}


class Command(BaseCommand):
    help = "Serve HTTP + WebSocket with uvicorn (and HTTPS + WSS with --tls-port)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--tls-port", type=int, default=0, help="0: no TLS listener")
        parser.add_argument("--tls-dir", default=".tls")
        parser.add_argument(
            "--market-maker",
            type=float,
            default=0,
            help="Seconds between demo market maker rounds, in a thread (0: none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # By name: uvicorn imports it (the demo app imports no door).
        app = "config.asgi:application"
        host = options["host"]
        configs = [uvicorn.Config(app, host=host, port=options["port"], **SERVER_OPTIONS)]
        lines = [
            f"HTTP   http://{host}:{options['port']}/",
            f"WS     ws://{host}:{options['port']}/api/spot/ws-public and /api/spot/ws",
        ]
        if options["tls_port"]:
            files = tls.ensure(Path(options["tls_dir"]))
            configs.append(
                uvicorn.Config(
                    app,
                    host=host,
                    port=options["tls_port"],
                    **SERVER_OPTIONS,
                    ssl_certfile=str(files.cert),
                    ssl_keyfile=str(files.key),
                )
            )
            lines += [
                f"HTTPS  https://{host}:{options['tls_port']}/",
                f"WSS    wss://{host}:{options['tls_port']}/api/spot/ws-public and /api/spot/ws",
                f"CA     {files.ca.resolve()}  (e.g. NODE_EXTRA_CA_CERTS={files.ca})",
            ]
        if settings.TRADING_MATCHER == "embedded":
            self._ticker(settings.TRADING_EXPIRY_INTERVAL_S)
            lines.append(
                "matcher embedded: GTD expiry and stop triggers every "
                f"{settings.TRADING_EXPIRY_INTERVAL_S:g} s in a thread"
            )
        if options["market_maker"]:
            self._market_maker(options["market_maker"])
            lines.append("demo market maker running in a thread")
        self.stdout.write("\n".join(lines))
        asyncio.run(self._serve([uvicorn.Server(config) for config in configs]))

    async def _serve(self, servers: list[uvicorn.Server]) -> None:
        await asyncio.gather(*(server.serve() for server in servers))

    def _ticker(self, interval: float) -> None:
        """The embedded matcher's timed commands (a `manage.py matcher` process issues its own), and the upkeep of
        its command log: with no broker, nothing is ever redelivered, so ten minutes of it are enough (a demo's
        market maker writes about a thousand commands a minute)."""
        from django.db import close_old_connections

        from trading.matcher.runner import matcher_commands_prune
        from trading.services import orders_expire_due, stops_trigger_all

        def run() -> None:
            while True:
                time.sleep(interval)
                close_old_connections()
                try:
                    orders_expire_due()
                    stops_trigger_all()
                    matcher_commands_prune(keep_s=EMBEDDED_COMMAND_LOG_S)
                except Exception:  # noqa: BLE001 - keep ticking; the next round retries
                    logger.exception("matcher ticker: a round failed")

        threading.Thread(target=run, name="matcher-ticker", daemon=True).start()

    def _market_maker(self, interval: float) -> None:
        from demo import market_maker

        def run() -> None:
            market_maker.run(
                iterations=0,
                interval=interval,
                trade_probability=0.5,
                rng=random.Random(),  # noqa: S311 - a demo's price walk
                stdout=open(Path("market_maker.log"), "a"),  # noqa: SIM115 - lives as long as the thread
            )

        threading.Thread(target=run, name="market-maker", daemon=True).start()
