"""Sign-up, e-mail confirmation from the link, log-in with the 2FA step, password reset and change, sessions and
log-out, in a real browser against the live server."""

import re

import pytest
import requests
from playwright.sync_api import expect

from accounts.services import totp_enrol_confirm, totp_enrol_start, user_create
from accounts.tests.factories import fresh_totp_code
from activities.actor import Actor
from web.tests.browser import Tab, link_path

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "ada@example.com", "an-Analytical-engine-1843"
NEW_PASSWORD = "a-Different-engine-1822"


@pytest.fixture
def customer():  # type: ignore[no-untyped-def]
    return user_create(email=EMAIL, password=PASSWORD, full_name="Ada Lovelace", country="GB")


IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _api_session(base: str, email: str, password: str, agent: str) -> requests.Session:
    """Another logged-in client (a phone, another computer), through the same public API."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = agent
    session.get(f"{base}/api/v1/auth/csrf/", timeout=20)
    answer = session.post(
        f"{base}/api/v1/auth/login/",
        json={"email": email, "password": password},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    return session


def test_sign_up_confirm_the_address_from_the_link_and_log_in(tab: Tab) -> None:
    page = tab.go("/signup")
    page.get_by_label("Full name").fill("Satoshi Nakamoto")
    page.get_by_label("E-mail").fill("satoshi@example.com")
    page.get_by_label("Password").fill("a-Peer-to-peer-cash-2008")
    page.get_by_label("Country of residence").select_option("JP")
    tab.shot("sign-up", full_page=False)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    # Before confirming, the password is right but the login says why it cannot go on, in words.
    tab.go("/login")
    page.get_by_label("E-mail").fill("satoshi@example.com")
    page.get_by_label("Password").fill("a-Peer-to-peer-cash-2008")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Confirm your e-mail address first: follow the link in the e-mail we sent you."
    )

    # The link in the e-mail opens the web app, which posts the key back to the API.
    tab.go(link_path("satoshi@example.com", "verify-email/"))
    expect(page.get_by_role("heading", name="E-mail confirmed")).to_be_visible()
    page.get_by_role("link", name="Log in").click()
    tab.login("satoshi@example.com", "a-Peer-to-peer-cash-2008")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Satoshi Nakamoto")
    expect(facts).to_contain_text("Japan")
    expect(facts).to_contain_text(re.compile(r"up\d{6}"))


def test_a_used_or_forged_confirmation_link_is_explained(tab: Tab) -> None:
    page = tab.go("/account/verify-email/not-a-real-key")
    expect(page.get_by_role("heading", name="This link did not work")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("invalid, already used or expired")


def test_login_asks_for_the_2fa_code_and_takes_a_recovery_code(tab: Tab, customer) -> None:  # type: ignore[no-untyped-def]
    totp_enrol_start(user=customer)
    device = customer.totpdevice_set.get()
    recovery = totp_enrol_confirm(
        user=customer, code=fresh_totp_code(device), actor=Actor.operator()
    )

    page = tab.go("/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page.get_by_label("Authentication code")).to_be_hidden()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    code = page.get_by_label("Authentication code")
    expect(code).to_be_visible()
    expect(code).to_be_focused()
    tab.shot("login-2fa-step", full_page=False)
    code.fill("123456")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("The authentication code is not valid.")
    code.fill(recovery[0])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/profile$"))
    expect(page.locator("#who-email")).to_have_text(EMAIL)


def test_password_reset_from_the_e_mailed_link(tab: Tab, customer) -> None:  # type: ignore[no-untyped-def]
    page = tab.go("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    tab.go(link_path(EMAIL, "password/reset/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Type the same password twice.")).to_be_visible()
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password is set. Log in with it.")).to_be_visible()
    tab.login(EMAIL, NEW_PASSWORD)


def test_password_change_ends_other_sessions_one_can_be_ended_and_logout_leaves(
    tab: Tab, customer, live_server
) -> None:  # type: ignore[no-untyped-def]
    phone = _api_session(live_server.url, EMAIL, PASSWORD, IPHONE)
    tablet = _api_session(live_server.url, EMAIL, PASSWORD, WINDOWS)
    tab.login(EMAIL, PASSWORD)
    page = tab.go("/security")
    tab.settled()
    sessions = page.locator("[data-sessions] tbody tr")
    expect(sessions).to_have_count(3)
    tab.shot("security-sessions")

    # End one session from the list: that client is logged out at once.
    sessions.filter(has_not_text="this browser").first.get_by_role("button").click()
    expect(sessions).to_have_count(2)
    still_in = [
        client.get(f"{live_server.url}/api/v1/profile/", timeout=20).status_code
        for client in (phone, tablet)
    ]
    assert sorted(still_in) == [200, 403]

    # A wrong current password is refused on the form; the right one ends every other session.
    page.get_by_label("Current password").fill("wrong-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("form[aria-labelledby=pw-title] [role=alert]")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(
        page.get_by_text("Password changed. Every other session of yours was ended.")
    ).to_be_visible()
    expect(sessions).to_have_count(1)
    assert phone.get(f"{live_server.url}/api/v1/profile/", timeout=20).status_code == 403
    assert tablet.get(f"{live_server.url}/api/v1/profile/", timeout=20).status_code == 403

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login$"))
    tab.go("/api-keys")
    page.wait_for_url(re.compile(r"/login\?next=%2Fapi-keys$"))
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/api-keys$"))  # back where the login interrupted
