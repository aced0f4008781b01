"""End to end, as a new customer: sign up, confirm the e-mail, log in, turn on 2FA, keep the recovery codes,
create an API key with a recovery code, activate it with the e-mailed code, and make a signed call with it through
the unmodified ccxt `cex` client. Only HTTP against the live server; no management command, no service call."""

import base64
import io
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import ccxt
import pytest
import requests
from django.core import mail
from django_otp.oath import TOTP

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "satoshi@example.com", "an-Excellent-passphrase-2026"


class Browser:
    """A browser-like HTTP client: cookies, and the CSRF token sent back as X-CSRFToken."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.trust_env = False
        self.get("/api/v1/auth/csrf/")

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=20)

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        token = self.session.cookies.get("csrftoken", "")
        return self.session.post(
            self.base + path, json=body or {}, headers={"X-CSRFToken": token}, timeout=20
        )


def _last_mail_to(address: str) -> Any:
    return [m for m in mail.outbox if address in m.to][-1]


def _totp_now(otpauth_uri: str, *, offset: int = 0) -> str:
    secret = parse_qs(urlparse(otpauth_uri).query)["secret"][0]
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time += offset * 30
    return f"{totp.token():06d}"


@pytest.fixture
def market(live_server: Any) -> None:
    from demo import market

    market.seed(io.StringIO())


def test_a_new_customer_signs_up_and_calls_through_ccxt_with_a_key_made_by_a_recovery_code(
    live_server: Any, market: None
) -> None:
    browser = Browser(live_server.url)

    signed_up = browser.post(
        "/api/v1/auth/signup",
        {"email": EMAIL, "password": PASSWORD, "full_name": "Satoshi N.", "country": "JP"},
    )
    assert signed_up.status_code == 401, signed_up.text  # verification pending
    assert (
        browser.post("/api/v1/auth/login/", {"email": EMAIL, "password": PASSWORD}).json()["error"][
            "code"
        ]
        == "email_unverified"
    )

    link = re.search(r"verify-email/(\S+)", _last_mail_to(EMAIL).body)
    assert link is not None
    assert (
        browser.post("/api/v1/auth/email/verify", {"key": unquote(link.group(1))}).status_code
        == 401
    )

    profile = browser.post("/api/v1/auth/login/", {"email": EMAIL, "password": PASSWORD})
    assert profile.status_code == 200, profile.text
    assert (profile.json()["verification_level"], profile.json()["email_verified"]) == (
        "none",
        True,
    )

    uri = browser.post("/api/v1/profile/2fa/enrol/").json()["otpauth_uri"]
    enabled = browser.post("/api/v1/profile/2fa/confirm/", {"code": _totp_now(uri)})
    assert enabled.status_code == 200, enabled.text
    recovery_codes = enabled.json()["recovery_codes"]
    assert len(recovery_codes) == 10
    assert browser.get("/api/v1/profile/").json()["recovery_codes_left"] == 10

    created = browser.post(
        "/api/v1/api-keys/",
        {"name": "my bot", "permissions": ["trade"], "ip_whitelist": [], "code": recovery_codes[0]},
    )
    assert created.status_code == 201, created.text
    key_id, secret = created.json()["key_id"], created.json()["secret"]
    assert browser.get("/api/v1/profile/").json()["recovery_codes_left"] == 9

    assert browser.post(f"/api/v1/api-keys/{key_id}/activation/").status_code in (200, 202)
    code = re.search(r"Activation code: (\d+)", _last_mail_to(EMAIL).body)
    assert code is not None
    activated = browser.post(
        f"/api/v1/api-keys/{key_id}/activation/confirm/", {"code": code.group(1)}
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"

    exchange = ccxt.cex({"apiKey": key_id, "secret": secret, "enableRateLimit": False})
    exchange.urls["api"] = {
        "public": f"{live_server.url}/api/spot/rest-public",
        "private": f"{live_server.url}/api/spot/rest",
    }
    exchange.session.trust_env = False
    balance = exchange.fetch_balance()
    assert balance["info"] is not None
    # A fresh account (level "none") may read but not trade: the refusal names the level needed.
    assert browser.post("/api/v1/ledger/accounts/", {"name": "bot1"}).status_code == 201
    exchange.load_markets()
    with pytest.raises(ccxt.BaseError, match=r"needs verification level .*\(basic\)"):
        exchange.create_order("BTC/USD", "limit", "buy", 0.001, 50000, {"accountId": "bot1"})

    sessions = browser.get("/api/v1/auth/sessions/").json()
    assert [s["is_current"] for s in sessions] == [True]
