"""Sign-up and e-mail verification (allauth headless, browser client) and the login door's e-mail check."""

import pytest
from django.core import mail

from accounts.models import User
from accounts.tests.helpers import (
    SIGNUP,
    STRONG_PASSWORD,
    VERIFY,
    Browser,
    key_from,
    mails_to,
    signup_body,
)
from activities.models import Activity, ActivityType

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(django_capture_on_commit_callbacks) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(django_capture_on_commit_callbacks)


def test_sign_up_creates_an_unverified_level_none_user_and_mails_a_confirmation_link(browser):
    response = browser.post(SIGNUP, signup_body(email="New@Example.com"))

    assert response.status_code == 401  # allauth: not logged in, e-mail verification pending
    flows = {flow["id"]: flow for flow in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"] is True
    user = User.objects.get(email="new@example.com")
    assert (user.full_name, user.country.code, user.verification_level) == ("Nia New", "FR", "none")
    assert user.check_password(STRONG_PASSWORD)
    assert user.public_id.startswith("up")
    [message] = mails_to("new@example.com")
    assert key_from(message, "verify-email")
    row = Activity.objects.get(user=user, action=ActivityType.SIGNED_UP)
    assert (row.ip, row.details) == ("192.0.2.10", {"country": "FR"})


def test_an_unverified_user_cannot_log_in_and_is_sent_the_link_again(browser, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "confirm_email": "10/m/key"}
    browser.post(SIGNUP, signup_body())
    mail.outbox.clear()

    refused = browser.login("new@example.com", STRONG_PASSWORD)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_unverified"
    assert "new confirmation link" in refused.json()["error"]["message"]
    assert key_from(mails_to("new@example.com")[0], "verify-email")
    assert browser.get("/api/v1/profile/").status_code == 403  # no session was started
    row = Activity.objects.get(action=ActivityType.LOGIN_FAILED)
    assert row.details == {"reason": "email_unverified"}


def test_the_emailed_key_verifies_the_address_and_then_login_works(
    browser, django_capture_on_commit_callbacks
):
    browser.post(SIGNUP, signup_body())
    key = key_from(mails_to("new@example.com")[0], "verify-email")
    elsewhere = Browser(django_capture_on_commit_callbacks, ip="198.51.100.7")

    verified = elsewhere.post(VERIFY, {"key": key})

    # Verifying never logs in (the login door is the only way into a session).
    assert verified.status_code == 401
    assert verified.json()["meta"]["is_authenticated"] is False
    logged_in = browser.login("new@example.com", STRONG_PASSWORD)
    assert logged_in.status_code == 200, logged_in.json()
    assert logged_in.json()["email_verified"] is True
    row = Activity.objects.get(action=ActivityType.EMAIL_VERIFIED)
    assert (row.ip, row.details) == ("198.51.100.7", {"email": "new@example.com", "by": "link"})


def test_a_wrong_verification_key_is_refused_and_changes_nothing(browser):
    browser.post(SIGNUP, signup_body())

    response = browser.post(VERIFY, {"key": "not-a-real-key"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "key"
    assert not Activity.objects.filter(action=ActivityType.EMAIL_VERIFIED).exists()
    assert browser.login("new@example.com", STRONG_PASSWORD).status_code == 403


def test_an_existing_email_gets_the_same_answer_and_no_second_account(browser, user):
    new = browser.post(SIGNUP, signup_body(email="fresh@example.com"))
    mail.outbox.clear()

    taken = browser.post(SIGNUP, signup_body(email="TRADER@example.com"))

    assert (taken.status_code, taken.json()) == (new.status_code, new.json())
    assert User.objects.filter(email__iexact="trader@example.com").count() == 1
    assert not Activity.objects.filter(user=user, action=ActivityType.SIGNED_UP).exists()
    # The owner hears about it by e-mail; the answer tells the caller nothing.
    [notice] = mails_to("trader@example.com")
    assert "verify-email" not in notice.body


def test_sign_up_can_be_closed(browser, settings):
    settings.SIGNUP_OPEN = False

    response = browser.post(SIGNUP, signup_body())

    assert response.status_code == 403
    assert not User.objects.exists()
    assert mail.outbox == []


def test_sign_up_is_rate_limited_per_ip(browser, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    assert browser.post(SIGNUP, signup_body(email="a@example.com")).status_code == 401
    assert browser.post(SIGNUP, signup_body(email="b@example.com")).status_code == 401

    limited = browser.post(SIGNUP, signup_body(email="c@example.com"))

    assert limited.status_code == 429
    assert not User.objects.filter(email="c@example.com").exists()
    other_ip = Browser(django_capture_on_commit_callbacks, ip="203.0.113.9")
    assert other_ip.post(SIGNUP, signup_body(email="c@example.com")).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("password", "12345678"),
        ("password", "short"),
        ("full_name", ""),
        ("country", "XX"),
        ("country", "FRA"),
    ],
)
def test_bad_sign_up_input_is_a_400_naming_the_field_and_creates_nothing(browser, field, value):
    response = browser.post(SIGNUP, signup_body(**{field: value}))

    assert response.status_code == 400
    assert field in {error.get("param") for error in response.json()["errors"]}
    assert not User.objects.exists()
    assert mail.outbox == []


def test_sign_up_needs_the_csrf_token(db):
    from rest_framework.test import APIClient

    response = APIClient(enforce_csrf_checks=True).post(SIGNUP, signup_body(), format="json")

    assert response.status_code == 403
    assert not User.objects.exists()


def test_the_queued_mail_is_sealed_and_the_worker_sends_it(user):
    from django.core.mail import EmailMessage

    from accounts import mail as account_mail
    from accounts.tasks import email_send_task

    sealed = account_mail.seal(
        EmailMessage("Reset", "key: s3cret-key-123", "from@example.com", ["trader@example.com"])
    )

    assert "s3cret-key-123" not in sealed
    assert email_send_task.delay(sealed).get() is True
    assert mail.outbox[-1].body == "key: s3cret-key-123"
    assert email_send_task.delay("garbage").get() is False
