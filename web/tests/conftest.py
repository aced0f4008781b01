from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.tests.browser import NARROW, Tab, launch_browser, screenshots_dir, serialise_on_sqlite


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per test module; each test gets its own context (cookies, storage) from it."""
    yield from launch_browser()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots_dir(tmp_path_factory)


@pytest.fixture
def tab(browser: Any, live_server: Any, shots: Path) -> Iterator[Tab]:
    serialise_on_sqlite(live_server)
    opened = Tab(browser, live_server.url, shots)
    yield opened
    opened.close()
    assert opened.blocked == [], "the page asked for something beyond the live server"
    assert opened.errors == [], "the page raised a script error"


@pytest.fixture
def phone(browser: Any, live_server: Any, shots: Path) -> Iterator[Tab]:
    """The same, 390 px wide."""
    serialise_on_sqlite(live_server)
    opened = Tab(browser, live_server.url, shots, viewport=NARROW)
    yield opened
    opened.close()
    assert opened.blocked == [], "the page asked for something beyond the live server"
    assert opened.errors == [], "the page raised a script error"
