"""A live ASGI server (uvicorn, the production server of the `ws` service) in a thread of the test process,
on a free port, serving `config.asgi.application` against the test database.

On SQLite the test database lives in memory: the server's one sync thread (Django and channels run every
database call of a request or consumer in one thread, `thread_sensitive`) is handed the test's connection,
as Django's `LiveServerThread` does.
"""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import connections

from config import ws_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveAsgi:
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/spot"


@contextmanager
def asgi_server() -> Iterator[LiveAsgi]:
    from config.asgi import application

    shared = [
        conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()
    ]
    for conn in shared:
        conn.inc_thread_sharing()

    def share() -> None:
        for conn in shared:
            connections[conn.alias] = conn

    port = free_port()
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        **ws_server.OPTIONS,  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(sync_to_async(share)())
        loop.run_until_complete(server.serve())
        pending = asyncio.all_tasks(loop)  # the push sender's queue task
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, name=f"asgi-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the ASGI test server did not start")
        time.sleep(0.02)
    try:
        yield LiveAsgi(port)
    finally:
        server.should_exit = True
        thread.join(10)
        layer = get_channel_layer()
        if isinstance(layer, InMemoryChannelLayer):
            asyncio.run(layer.flush())  # no group of this server outlives it
        for conn in shared:
            conn.dec_thread_sharing()
