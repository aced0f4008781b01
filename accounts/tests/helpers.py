"""A browser-like client for the self-service tests: CSRF enforced, a fixed IP and user agent, and mail sent
(on-commit callbacks run) for every request."""

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from django.core import mail
from rest_framework.test import APIClient


@dataclass
class Browser:
    capture: Any  # pytest-django's django_capture_on_commit_callbacks
    ip: str = "192.0.2.10"
    user_agent: str = "Mozilla/5.0 (test browser)"
    client: APIClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = APIClient(
            enforce_csrf_checks=True, REMOTE_ADDR=self.ip, HTTP_USER_AGENT=self.user_agent
        )

    def _token(self) -> str:
        if "csrftoken" not in self.client.cookies:
            self.client.get("/api/v1/auth/csrf/")
        return self.client.cookies["csrftoken"].value

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        with self.capture(execute=True):
            return self.client.post(path, data or {}, format="json", HTTP_X_CSRFTOKEN=self._token())

    def login(self, email: str, password: str, code: str | None = None) -> Any:
        body = {"email": email, "password": password}
        if code is not None:
            body["code"] = code
        return self.post("/api/v1/auth/login/", body)


SIGNUP = "/api/v1/auth/signup"
VERIFY = "/api/v1/auth/email/verify"
RESET_REQUEST = "/api/v1/auth/password/request"
RESET = "/api/v1/auth/password/reset"
STRONG_PASSWORD = "a-long-Passw0rd-xyz"


def signup_body(email: str = "new@example.com", **overrides: Any) -> dict[str, Any]:
    return {
        "email": email,
        "password": STRONG_PASSWORD,
        "full_name": "Nia New",
        "country": "fr",
        **overrides,
    }


def mails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def key_from(message: Any, marker: str) -> str:
    """The key in a link of `message` (`.../verify-email/<key>`, `.../password/reset/<key>`), decoded as the
    frontend's page would before posting it back."""
    found = re.search(rf"{re.escape(marker)}/(\S+)", message.body)
    assert found, message.body
    return unquote(found.group(1))
