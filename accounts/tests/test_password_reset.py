"""Password reset by e-mail (allauth headless): the key works once, expires, and the reset ends every session."""

from datetime import datetime, timedelta

import pytest
from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from allauth.account.utils import user_pk_to_url_str
from django.core import mail

from accounts.tests.helpers import RESET, RESET_REQUEST, Browser, key_from, mails_to
from activities.models import Activity, ActivityType

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "brand-new-Passw0rd-42"


@pytest.fixture
def browser(django_capture_on_commit_callbacks) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(django_capture_on_commit_callbacks)


def _reset_key(browser: Browser, email: str) -> str:
    assert browser.post(RESET_REQUEST, {"email": email}).status_code == 200
    return key_from(mails_to(email)[-1], "password/reset")


def test_a_reset_request_mails_a_key_and_is_recorded_without_it(browser, user):
    response = browser.post(RESET_REQUEST, {"email": "Trader@Example.com"})

    assert response.status_code == 200
    key = key_from(mails_to("trader@example.com")[0], "password/reset")
    row = Activity.objects.get(user=user, action=ActivityType.PASSWORD_RESET_REQUESTED)
    assert row.ip == "192.0.2.10"
    assert key not in str(row.details)


def test_an_unknown_address_gets_the_same_answer_and_no_key(browser, user):
    known = browser.post(RESET_REQUEST, {"email": "trader@example.com"})
    mail.outbox.clear()

    unknown = browser.post(RESET_REQUEST, {"email": "nobody@example.com"})

    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert all("password/reset/" not in m.body for m in mail.outbox)
    assert Activity.objects.filter(action=ActivityType.PASSWORD_RESET_REQUESTED).count() == 1


def test_the_key_sets_a_new_password_and_ends_every_session(
    browser, user, password, django_capture_on_commit_callbacks
):
    logged_in = Browser(django_capture_on_commit_callbacks, ip="198.51.100.20")
    assert logged_in.login(user.email, password).status_code == 200
    key = _reset_key(browser, user.email)

    response = browser.post(RESET, {"key": key, "password": NEW_PASSWORD})

    assert response.status_code == 401  # reset, and not logged in: the login door is the way in
    assert logged_in.get("/api/v1/profile/").status_code == 403
    assert browser.login(user.email, password).status_code == 400
    assert browser.login(user.email, NEW_PASSWORD).status_code == 200
    actions = list(Activity.objects.filter(user=user).values_list("action", flat=True))
    assert ActivityType.PASSWORD_RESET in actions
    ended = Activity.objects.get(user=user, action=ActivityType.SESSION_ENDED)
    assert ended.details["reason"] == "password_reset"
    assert key not in str(list(Activity.objects.values_list("details", flat=True)))


def test_a_used_key_is_refused(browser, user):
    key = _reset_key(browser, user.email)
    assert browser.post(RESET, {"key": key, "password": NEW_PASSWORD}).status_code == 401

    again = browser.post(RESET, {"key": key, "password": "another-Passw0rd-77"})

    assert again.status_code == 400
    assert again.json()["errors"][0]["param"] == "key"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


class _Issued2HoursAgo(EmailAwarePasswordResetTokenGenerator):
    def _now(self) -> datetime:
        return super()._now() - timedelta(hours=2)


def test_an_expired_key_is_refused(browser, user, password, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    expired = f"{user_pk_to_url_str(user)}-{_Issued2HoursAgo().make_token(user)}"

    response = browser.post(RESET, {"key": expired, "password": NEW_PASSWORD})

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "key"
    user.refresh_from_db()
    assert user.check_password(password)
    assert not Activity.objects.filter(action=ActivityType.PASSWORD_RESET).exists()


def test_a_weak_new_password_is_refused_and_the_key_still_works(browser, user):
    key = _reset_key(browser, user.email)

    weak = browser.post(RESET, {"key": key, "password": "12345678"})

    assert weak.status_code == 400
    assert {e["param"] for e in weak.json()["errors"]} == {"password"}
    assert browser.post(RESET, {"key": key, "password": NEW_PASSWORD}).status_code == 401


def test_reset_requests_are_rate_limited(browser, user, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/h/ip"}
    for _ in range(2):
        assert browser.post(RESET_REQUEST, {"email": user.email}).status_code == 200

    assert browser.post(RESET_REQUEST, {"email": user.email}).status_code == 429
