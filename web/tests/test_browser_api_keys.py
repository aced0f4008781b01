"""API Keys Management and 2FA enrolment in a real browser, against the live server, as a customer would do it:
enrol 2FA with the code computed from the secret the page shows, create a key with a 2FA code, read its secret
once, activate it with the e-mailed code, edit it (and see it deactivated), delete it with a recovery code."""

import json
import re
import time

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import user_create
from activities.actor import Actor
from apikeys.models import ApiKey
from apikeys.services import api_key_issue
from gateway.signing import sign
from web.tests.browser import Tab, activation_code, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "grace@example.com", "a-Quiet-harbour-2026"


@pytest.fixture
def customer():  # type: ignore[no-untyped-def]
    return user_create(
        email=EMAIL,
        password=PASSWORD,
        full_name="Grace Hopper",
        country="US",
        verification_level="basic",
    )


def _signed_call(base: str, key: str, secret: str, action: str) -> requests.Response:
    body = b"{}"
    stamp = str(int(time.time()))
    return requests.post(
        f"{base}/api/spot/rest/{action}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-AGGR-KEY": key,
            "X-AGGR-TIMESTAMP": stamp,
            "X-AGGR-SIGNATURE": sign(
                secret=secret.encode(), action=action, timestamp=stamp, body=body
            ),
        },
        timeout=20,
    )


def test_a_customer_without_2fa_gets_the_dialog_that_leads_to_security(tab: Tab, customer) -> None:  # type: ignore[no-untyped-def]
    tab.login(EMAIL, PASSWORD)
    page = tab.go("/api-keys")
    tab.settled()
    expect(page.get_by_text("You have no API keys yet.")).to_be_visible()
    page.get_by_role("button", name="+ New API key").click()

    dialog = tab.dialog()
    expect(dialog.get_by_role("heading", name="Turn on 2FA first")).to_be_visible()
    tab.shot("api-keys-2fa-needed", full_page=False)
    dialog.get_by_role("link", name="Go to Security").click()

    page.wait_for_url(re.compile(r"/security$"))
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.get_by_role("button", name="Set up 2FA")).to_be_visible()
    assert not ApiKey.objects.filter(user=customer).exists()


def test_2fa_then_a_key_from_creation_to_deletion(tab: Tab, customer, live_server) -> None:  # type: ignore[no-untyped-def]
    tab.login(EMAIL, PASSWORD)
    page = tab.go("/security")
    tab.settled()

    # Enrol: the QR code is on the page, and the same secret is printed for typing by hand.
    page.get_by_role("button", name="Set up 2FA").click()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    tab.shot("security-2fa-enrolment")
    page.get_by_label("Code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on 2FA").click()

    # The recovery codes, once: copy and download are offered; Done waits for the tick.
    dialog = tab.dialog()
    expect(dialog.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    recovery = dialog.locator("ol.codes code").all_inner_texts()
    assert len(recovery) == 10
    with page.expect_download() as download:
        dialog.get_by_role("button", name="Download").click()
    assert download.value.path().read_text().split() == recovery
    tab.shot("security-recovery-codes", full_page=False)
    expect(dialog.get_by_role("button", name="Done")).to_be_disabled()
    dialog.get_by_label("I have saved my recovery codes").check()
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("codes-left")).to_have_text("10")
    tab.shot("security")

    # Create: name, permissions, whitelist, and a 2FA code (the app's next one: each code works once).
    page = tab.go("/api-keys")
    tab.settled()
    page.get_by_role("button", name="+ New API key").click()
    dialog = tab.dialog()
    dialog.get_by_label("Name").fill("grid bot")
    expect(dialog.get_by_label("Read")).to_be_checked()
    expect(dialog.get_by_label("Read")).to_be_disabled()
    dialog.get_by_label("Trade").check()
    dialog.get_by_label("IP whitelist (optional)").fill("127.0.0.1\n10.0.0.0/8")
    dialog.get_by_label("Authentication code").fill(totp_code(secret, step=1))
    tab.shot("api-keys-new", full_page=False)
    dialog.get_by_role("button", name="Create key").click()

    # The secret, shown once.
    dialog = tab.dialog()
    expect(dialog.get_by_role("heading", name="Save your API secret")).to_be_visible()
    key_id = dialog.get_by_label("Key").input_value()
    api_secret = dialog.get_by_label("Secret").input_value()
    assert len(api_secret) >= 32
    tab.shot("api-keys-secret-once", full_page=False)
    expect(dialog.get_by_role("button", name="Close")).to_be_disabled()
    dialog.get_by_label("I have saved it").check()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)

    row = page.locator(f"tr[data-key='{key_id}']")
    expect(row).to_contain_text("Inactive")
    expect(row).to_contain_text("Read, Trade")
    expect(row).to_contain_text("127.0.0.1, 10.0.0.0/8")
    page.reload()
    tab.settled()
    expect(page.locator(f"tr[data-key='{key_id}']")).to_be_visible()
    assert api_secret not in page.content()

    # Activate with the code from the e-mail.
    page.get_by_role("button", name="Activate grid bot").click()
    dialog = tab.dialog()
    expect(dialog.get_by_role("status")).to_contain_text(
        f"We e-mailed an activation code to {EMAIL}"
    )
    dialog.get_by_label("Activation code").fill(activation_code(EMAIL))
    dialog.get_by_role("button", name="Activate", exact=True).click()
    row = page.locator(f"tr[data-key='{key_id}']")
    expect(row).to_contain_text("Active")
    expect(row.get_by_role("button", name="Deactivate grid bot")).to_be_visible()

    # The secret the page showed once is the key's: a signed call with it goes through.
    answer = _signed_call(live_server.url, key_id, api_secret, "get_my_account_status_v3")
    assert answer.status_code == 200, answer.text
    assert "error" not in json.loads(answer.text)

    # Edit: the dialog warns first; a permission change deactivates the key.
    row.get_by_role("button", name="Edit grid bot").click()
    dialog = tab.dialog()
    expect(dialog.get_by_text("deactivates the key at once")).to_be_visible()
    dialog.get_by_label("Funds Internal").check()
    dialog.get_by_role("button", name="Save changes").click()
    expect(row).to_contain_text("Inactive")
    expect(row).to_contain_text("Read, Trade, Funds Internal")
    assert ApiKey.objects.get(public_id=key_id).is_active is False

    # Delete with a recovery code; a wrong code first is refused in words, on the dialog.
    row.get_by_role("button", name="Delete grid bot").click()
    dialog = tab.dialog()
    dialog.get_by_label("Authentication code").fill("000000")
    dialog.get_by_role("button", name="Delete key").click()
    expect(dialog.get_by_role("alert")).to_contain_text("code is not valid")
    dialog.get_by_label("Authentication code").fill(recovery[0])
    dialog.get_by_role("button", name="Delete key").click()
    expect(page.locator(f"tr[data-key='{key_id}']")).to_have_count(0)
    expect(page.get_by_text("You have no API keys yet.")).to_be_visible()
    assert not ApiKey.objects.filter(public_id=key_id).exists()


def test_the_keys_list_reads_well_wide_and_on_a_phone_and_every_control_is_labelled(
    tab: Tab, phone: Tab, customer
) -> None:  # type: ignore[no-untyped-def]
    operator = Actor.operator()
    bot = api_key_issue(
        user=customer,
        name="market maker",
        permissions=["read", "trade", "funds_internal"],
        active=True,
        actor=operator,
    )
    ApiKey.objects.filter(pk=bot.key.pk).update(
        last_used_at=timezone.now(), last_used_ip="203.0.113.7"
    )
    api_key_issue(
        user=customer,
        name="reporting",
        permissions=["read"],
        ip_whitelist=["203.0.113.7", "198.51.100.0/24"],
        actor=operator,
    )
    for screen, name in ((tab, "api-keys"), (phone, "api-keys-phone")):
        screen.login(EMAIL, PASSWORD)
        page = screen.go("/api-keys")
        screen.settled()
        market_maker = page.locator(f"tr[data-key='{bot.key.public_id}']")
        expect(market_maker).to_contain_text("Active")
        expect(market_maker).to_contain_text("Read, Trade, Funds Internal")
        expect(market_maker.locator("time")).to_have_count(2)  # last update, last use
        expect(page.get_by_role("button", name="Activate reporting")).to_be_visible()
        # Nothing sticks out sideways: on the phone the table turned into cards.
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screen.shot(name, full_page=False)
        assert screen.unlabelled_controls() == []
        assert screen.axe_serious() == []
