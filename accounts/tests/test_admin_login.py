"""The admin's door: password AND authenticator code, one limiter shared with the JSON login, a row per try."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import TOTPDeviceFactory, fresh_totp_code
from activities.models import Activity, ActivityType, Outcome, Source

ADMIN_LOGIN = reverse("admin:login")
JSON_LOGIN = reverse("auth-login")
ADMIN_INDEX = reverse("admin:index")


@pytest.fixture
def device(staff_user):  # type: ignore[no-untyped-def]
    return TOTPDeviceFactory(user=staff_user)


def admin_login(client: Client, email: str, password: str, code: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        ADMIN_LOGIN,
        {"username": email, "password": password, "otp_token": code, "next": ADMIN_INDEX},
    )


def rows(user, action):  # type: ignore[no-untyped-def]
    return list(Activity.objects.filter(user=user, action=action).order_by("id"))


def test_password_and_code_open_the_admin_and_the_login_is_recorded(
    client, staff_user, password, device
):
    response = admin_login(client, staff_user.email, password, fresh_totp_code(device))

    assert response.status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200
    [row] = rows(staff_user, ActivityType.LOGIN)
    assert (row.source, row.outcome, row.ip) == (Source.ADMIN, Outcome.OK, "127.0.0.1")


def test_a_password_alone_is_refused_and_recorded(client, staff_user, password, device):
    response = admin_login(client, staff_user.email, password)

    assert response.status_code == 200
    assert "Enter the code from your authenticator app" in response.content.decode()
    assert client.get(ADMIN_INDEX).status_code == 302
    [row] = rows(staff_user, ActivityType.LOGIN_FAILED)
    assert (row.source, row.outcome, row.details) == (
        Source.ADMIN,
        Outcome.REFUSED,
        {"reason": "2fa_code_missing"},
    )
    assert not rows(staff_user, ActivityType.LOGIN)


def test_staff_without_an_authenticator_cannot_log_in_at_all(client, staff_user, password):
    response = admin_login(client, staff_user.email, password, "123456")

    assert "turn on two-factor authentication" in response.content.decode()
    assert client.get(ADMIN_INDEX).status_code == 302
    assert rows(staff_user, ActivityType.LOGIN_FAILED)[0].details == {"reason": "2fa_not_enabled"}


def test_a_wrong_code_is_refused_and_recorded(client, staff_user, password, device):
    fresh_totp_code(device)
    response = admin_login(client, staff_user.email, password, "000000")

    assert response.status_code == 200
    assert client.get(ADMIN_INDEX).status_code == 302
    assert rows(staff_user, ActivityType.LOGIN_FAILED)[0].details == {"reason": "invalid_2fa_code"}
    assert rows(staff_user, ActivityType.TWO_FACTOR_FAILED)[0].details == {"purpose": "admin_login"}


def test_a_wrong_password_is_refused_and_recorded(client, staff_user, device):
    response = admin_login(client, staff_user.email, "wrong", fresh_totp_code(device))

    assert response.status_code == 200
    assert "Email or password is incorrect." in response.content.decode()
    [row] = rows(staff_user, ActivityType.LOGIN_FAILED)
    assert (row.source, row.details) == (Source.ADMIN, {"reason": "wrong_password"})


def test_a_customer_with_password_and_code_is_not_let_into_the_admin(client, user, password):
    device = TOTPDeviceFactory(user=user)

    response = admin_login(client, user.email, password, fresh_totp_code(device))

    assert response.status_code == 200
    assert client.get(ADMIN_INDEX).status_code == 302
    assert rows(user, ActivityType.LOGIN_FAILED)[0].details == {"reason": "not_staff"}


def test_wrong_passwords_at_the_admin_lock_the_json_login_too(
    client, anon_client, staff_user, password, device, settings
):
    settings.LOGIN_FAILURES_PER_USER = 7
    for _ in range(7):
        admin_login(client, staff_user.email, "wrong")

    at_admin = admin_login(client, staff_user.email, password, fresh_totp_code(device))
    at_json = anon_client.post(
        JSON_LOGIN,
        {"email": staff_user.email, "password": password, "code": fresh_totp_code(device)},
        format="json",
    )

    assert "Too many failed attempts" in at_admin.content.decode()
    assert client.get(ADMIN_INDEX).status_code == 302
    assert at_json.status_code == 429
    locked = rows(staff_user, ActivityType.LOGIN_LOCKED)
    assert [(row.source, row.details["reason"]) for row in locked] == [
        (Source.ADMIN, "too_many_failures"),
        (Source.WEB, "too_many_failures"),
    ]
    assert not rows(staff_user, ActivityType.LOGIN)


def test_wrong_passwords_at_the_json_login_lock_the_admin(
    client, anon_client, staff_user, password, device, settings
):
    settings.LOGIN_FAILURES_PER_USER = 3
    for _ in range(3):
        anon_client.post(JSON_LOGIN, {"email": staff_user.email, "password": "bad"}, format="json")

    response = admin_login(client, staff_user.email, password, fresh_totp_code(device))

    assert "Too many failed attempts" in response.content.decode()
    assert client.get(ADMIN_INDEX).status_code == 302
    assert rows(staff_user, ActivityType.LOGIN_LOCKED)[0].source == Source.ADMIN


def test_one_ip_failing_across_accounts_is_locked_at_the_admin(
    client, staff_user, other_user, password, device, settings
):
    settings.LOGIN_FAILURES_PER_IP = 2
    admin_login(client, other_user.email, "bad")
    admin_login(client, "nobody@example.com", "bad")

    response = admin_login(client, staff_user.email, password, fresh_totp_code(device))

    assert "Too many failed attempts" in response.content.decode()
    assert client.get(ADMIN_INDEX).status_code == 302


def test_a_json_login_with_2fa_does_not_open_the_admin(anon_client, staff_user, password, device):
    response = anon_client.post(
        JSON_LOGIN,
        {"email": staff_user.email, "password": password, "code": fresh_totp_code(device)},
        format="json",
    )

    assert response.status_code == 200
    page = anon_client.get(ADMIN_INDEX)
    assert page.status_code == 302
    assert page["Location"].startswith(ADMIN_LOGIN)
