"""What the web app's browser tests share: Debian's chromium through Playwright, one browser per test module, an
offline context per test, the screenshots for the README, axe-core, and the codes a person would read off their
phone or their inbox.

Chromium: Debian's (/usr/bin/chromium), never a downloaded one. Without it the tests skip with a reason on a
developer machine and fail under CI (`CI=true`; .ci/run installs it).

Screenshots: every test saves what it shows into a temporary folder; `make screenshots` (WEB_SCREENSHOTS_DIR=docs/
screenshots) writes the README's copies instead.
"""

import base64
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django_otp.oath import TOTP

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
WIDE = {"width": 1400, "height": 900}
NARROW = {"width": 390, "height": 844}
# A zone far from UTC, so a time shown in UTC by mistake cannot pass for the browser's.
BROWSER_ZONE = "America/New_York"


def launch_browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
        pytest.skip("needs Debian's chromium: apt-get install -y chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM calls made from
    # a thread with a running loop. The tests call the ORM only between browser steps, never concurrently with
    # it, so the guard has nothing to protect here; it is lifted for these modules only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
            )
            try:
                yield browser
            finally:
                browser.close()


class _OneRequestAtATime:
    """WSGI wrapper: one request inside the app at a time, until its body has been sent (streamed CSV included)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        with self.lock:
            result = self.app(environ, start_response)
            try:
                yield from result
            finally:
                if hasattr(result, "close"):
                    result.close()


def serialise_on_sqlite(live_server: Any) -> None:
    """On SQLite the test database is in memory, and the live server's threads share its one connection, which
    cannot hold two transactions at once ("database table is locked"). A browser fetches in parallel, so there
    the live server answers one request at a time. On PostgreSQL (CI's second run) requests stay concurrent."""
    if connection.vendor != "sqlite":
        return
    server = live_server.thread.httpd
    if not isinstance(server.get_app(), _OneRequestAtATime):
        server.set_app(_OneRequestAtATime(server.get_app()))


class Tab:
    """A page in its own context (cookies, zone, viewport), with the network off beyond the live server."""

    def __init__(
        self, browser: Any, base: str, shots: Path, viewport: dict[str, int] = WIDE
    ) -> None:
        self.base = base
        self.shots = shots
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport=viewport, timezone_id=BROWSER_ZONE, locale="en-US", accept_downloads=True
        )
        local = urlsplit(base).netloc

        def offline(route: Any) -> None:
            if urlsplit(route.request.url).netloc == local:
                route.continue_()
            else:
                self.blocked.append(route.request.url)
                route.abort("internetdisconnected")

        self.context.route("**/*", offline)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def settled(self) -> None:
        """The section rendered and nothing is loading any more."""
        self.page.wait_for_selector("main h1")
        self.page.wait_for_function("!document.querySelector('main .loading, dialog .loading')")

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        self.settled()
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def dialog(self) -> Any:
        return self.page.get_by_role("dialog")

    def login(self, email: str, password: str, code: str | None = None) -> None:
        self.go("/login")
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        if code is not None:
            self.page.get_by_label("Authentication code").fill(code)
            self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(re.compile(r"/profile$"))
        self.settled()

    def axe_serious(self) -> list[dict[str, Any]]:
        """axe-core's critical and serious violations on the page as it is now (the script is vendored: no
        network). The issue asks for no critical ones; the page has none of either, and keeps it that way."""
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("async () => (await axe.run(document)).violations")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result
            if v["impact"] in ("critical", "serious")
        ]

    def unlabelled_controls(self) -> list[str]:
        """Visible form controls without an accessible name (checked directly, besides axe)."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button')]
                .filter((el) => el.type !== 'hidden' && el.offsetParent !== null)
                .filter((el) => {
                  const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label')
                    || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim());
                  return !labelled;
                })
                .map((el) => el.outerHTML.slice(0, 120))"""
        )

    def close(self) -> None:
        self.context.close()


def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("WEB_SCREENSHOTS_DIR")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def totp_code(secret: str, *, step: int = 0) -> str:
    """What an authenticator app shows for the base32 `secret` (as the page prints it), `step` periods ahead."""
    secret = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time += step * 30
    return f"{totp.token():06d}"


def last_mail_to(address: str) -> Any:
    return [message for message in mail.outbox if address in message.to][-1]


def activation_code(address: str) -> str:
    return re.search(r"Activation code: (\d+)", last_mail_to(address).body).group(1)  # type: ignore[union-attr]


def link_path(address: str, marker: str) -> str:
    """The path of the link in the last e-mail to `address` (the e-mails point at FRONTEND_URL)."""
    url = re.search(rf"https?://\S+{marker}\S*", last_mail_to(address).body).group(0)  # type: ignore[union-attr]
    return urlsplit(url).path
