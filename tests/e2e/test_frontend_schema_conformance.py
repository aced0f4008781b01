"""Schemathesis against the live server: every frontend operation, called with generated input by a logged-in
session that sends its CSRF token, answers as the OpenAPI schema says (status code, content type, body), and
never with a 5xx. Bounded (`EXAMPLES` per operation) so the suite stays fast on SQLite and PostgreSQL.
"""

import io
from importlib import import_module
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def demo_data(settings) -> None:  # type: ignore[no-untyped-def]
    from demo.management.commands.seed_demo import SEEDERS

    # Generated logins fail on purpose; the per-IP limit would otherwise lock out the session's own re-login.
    settings.LOGIN_FAILURES_PER_IP = 100_000
    for path in SEEDERS:
        import_module(path).seed(io.StringIO())


class Browser:
    """A logged-in session that sends the CSRF token the way the README tells a frontend to."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.login()

    def login(self) -> None:
        from demo.users import DEMO_EMAIL, DEMO_PASSWORD

        self.session.cookies.clear()
        self.session.get(f"{self.base_url}/api/v1/auth/csrf/", timeout=10)
        answer = self.session.post(
            f"{self.base_url}/api/v1/auth/login/",
            json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            headers=self.csrf(),
            timeout=10,
        )
        assert answer.status_code == 200, answer.text

    def csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.session.cookies.get("csrftoken", "")}

    def logged_in(self) -> bool:
        return "sessionid" in self.session.cookies


def test_every_frontend_operation_answers_as_the_schema_says(live_server, demo_data):
    browser = Browser(live_server.url)
    document = browser.session.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    failures: dict[str, str] = {}
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: Any) -> None:
            if not browser.logged_in():
                browser.login()  # the logout operation (or a refused 2FA change) ended the session
            response = case.call(
                base_url=live_server.url,
                session=browser.session,
                headers=browser.csrf(),
                # The schema names the session cookie as its security scheme, so schemathesis would send a
                # made-up one; the real cookies win.
                cookies=browser.session.cookies.get_dict(),
                timeout=30,
            )
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            conforms()
        # Collected, so one run reports every operation (schemathesis raises a BaseExceptionGroup).
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
            failures[operation.label] = str(exc)[:2000]

    assert len(operations) >= 39
    # The session really was logged in, and the examples reached the success paths, not only refusals.
    assert seen["GET /api/v1/profile/"] == {200}
    assert 201 in seen["POST /api/v1/trading/orders/"]
    assert 200 in seen["GET /api/v1/market/{symbol}/book/"]
    assert failures == {}
