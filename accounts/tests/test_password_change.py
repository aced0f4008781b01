"""Password change: the current password, plus a 2FA code when 2FA is on; every other session ends."""

import pytest
from django.urls import reverse

from accounts.services import totp_enrol_confirm, totp_enrol_start
from accounts.tests.factories import fresh_totp_code
from accounts.tests.helpers import Browser
from activities.actor import Actor
from activities.models import Activity, ActivityType, Outcome

pytestmark = pytest.mark.django_db

CHANGE = reverse("password-change")
NEW_PASSWORD = "brand-new-Passw0rd-42"


@pytest.fixture
def browsers(user, password, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Two logged-in browsers of the same user: the one that changes the password, and another."""
    here = Browser(django_capture_on_commit_callbacks, ip="192.0.2.1")
    there = Browser(django_capture_on_commit_callbacks, ip="192.0.2.2")
    assert here.login(user.email, password).status_code == 200
    assert there.login(user.email, password).status_code == 200
    return here, there


def _change(browser: Browser, current: str, new: str = NEW_PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return browser.post(CHANGE, {"current_password": current, "new_password": new, **extra})


def test_change_keeps_this_session_and_ends_the_others(browsers, user, password):
    here, there = browsers

    response = _change(here, password)

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert here.get("/api/v1/profile/").status_code == 200
    assert there.get("/api/v1/profile/").status_code == 403
    assert here.get(reverse("sessions")).json()[0]["is_current"] is True
    assert len(here.get(reverse("sessions")).json()) == 1
    row = Activity.objects.get(user=user, action=ActivityType.PASSWORD_CHANGED)
    assert (row.outcome, row.ip) == (Outcome.OK, "192.0.2.1")
    ended = Activity.objects.get(user=user, action=ActivityType.SESSION_ENDED)
    assert (ended.details["reason"], ended.details["session_ip"]) == (
        "password_changed",
        "192.0.2.2",
    )
    assert NEW_PASSWORD not in str(row.details)
    assert password not in str(row.details)


def test_a_wrong_current_password_is_refused_and_changes_nothing(browsers, user, password):
    here, there = browsers

    response = _change(here, "not my password")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_password"
    user.refresh_from_db()
    assert user.check_password(password)
    assert there.get("/api/v1/profile/").status_code == 200
    row = Activity.objects.get(user=user, action=ActivityType.PASSWORD_CHANGED)
    assert (row.outcome, row.details) == (Outcome.REFUSED, {"reason": "wrong_password"})


def test_wrong_current_passwords_share_the_login_lock_out(browsers, user, password, settings):
    settings.LOGIN_FAILURES_PER_USER = 2
    here, _ = browsers
    for _ in range(2):
        assert _change(here, "wrong").status_code == 400

    locked = _change(here, password)

    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    user.refresh_from_db()
    assert user.check_password(password)


@pytest.mark.parametrize("weak", ["12345678", "short", "password"])
def test_a_new_password_that_fails_the_validators_is_refused(browsers, user, password, weak):
    here, _ = browsers

    response = _change(here, password, weak)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["new_password"]
    user.refresh_from_db()
    assert user.check_password(password)


def test_with_2fa_on_the_change_needs_a_valid_code(browsers, user, password):
    here, there = browsers
    totp_enrol_start(user=user)
    device = user.totpdevice_set.get()
    codes = totp_enrol_confirm(user=user, code=fresh_totp_code(device), actor=Actor.system())

    missing = _change(here, password)
    wrong = _change(here, password, code="000000")

    assert (missing.status_code, missing.json()["error"]["code"]) == (403, "2fa_required")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "invalid_2fa_code")
    user.refresh_from_db()
    assert user.check_password(password)
    assert _change(here, password, code=fresh_totp_code(device)).status_code == 204
    assert _change(here, NEW_PASSWORD, "third-Passw0rd-99", code=codes[0]).status_code == 204


def test_password_change_needs_a_session(anon_client, db):
    response = anon_client.post(
        CHANGE, {"current_password": "x", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 403
