"""Fixtures of the end-to-end tests that share one live server kind."""

import io
from collections.abc import Iterator

import pytest

from tests.e2e.asgi_server import LiveAsgi, asgi_server


@pytest.fixture
def server() -> Iterator[LiveAsgi]:
    """The ASGI application (HTTP and WebSocket) on a live uvicorn, with the demo market's pairs."""
    from demo import market

    market.seed(io.StringIO())
    with asgi_server() as live:
        yield live
