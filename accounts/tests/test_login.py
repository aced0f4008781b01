import pytest
from django.urls import reverse

from accounts.tests.factories import TOTPDeviceFactory, fresh_totp_code
from activities.models import Activity, ActivityType, Outcome

LOGIN = reverse("auth-login")


def test_login_with_right_password_starts_a_session_and_is_recorded(anon_client, user, password):
    response = anon_client.post(
        LOGIN,
        {"email": "Trader@Example.com", "password": password},
        format="json",
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 200
    assert response.json()["public_id"] == user.public_id
    assert anon_client.get(reverse("profile")).status_code == 200
    row = Activity.objects.get(user=user)
    assert (row.action, row.outcome, row.ip) == (ActivityType.LOGIN, Outcome.OK, "203.0.113.7")


def test_wrong_password_is_refused_and_recorded_for_the_known_user(anon_client, user):
    response = anon_client.post(LOGIN, {"email": user.email, "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert anon_client.get(reverse("profile")).status_code == 403
    row = Activity.objects.get(user=user)
    assert (row.action, row.outcome) == (ActivityType.LOGIN_FAILED, Outcome.REFUSED)
    assert "password" not in row.details


def test_unknown_email_gets_the_same_answer_and_records_nothing(anon_client, user):
    response = anon_client.post(
        LOGIN, {"email": "nobody@example.com", "password": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not Activity.objects.exists()


def test_repeated_failures_lock_the_user_out_with_a_wait_time(
    anon_client, user, password, settings
):
    settings.LOGIN_FAILURES_PER_USER = 3
    for _ in range(3):
        assert (
            anon_client.post(
                LOGIN, {"email": user.email, "password": "bad"}, format="json"
            ).status_code
            == 400
        )

    response = anon_client.post(LOGIN, {"email": user.email, "password": password}, format="json")

    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "too_many_attempts"
    assert 0 < body["details"]["retry_after"] <= settings.AUTH_FAILURE_WINDOW_S + 1
    assert int(response["Retry-After"]) == body["details"]["retry_after"]
    assert "Try again in" in body["message"]
    assert not Activity.objects.filter(action=ActivityType.LOGIN).exists()


def test_failures_from_one_ip_across_users_lock_that_ip(
    anon_client, user, other_user, password, settings
):
    settings.LOGIN_FAILURES_PER_IP = 2
    anon_client.post(LOGIN, {"email": user.email, "password": "bad"}, format="json")
    anon_client.post(LOGIN, {"email": other_user.email, "password": "bad"}, format="json")

    blocked = anon_client.post(LOGIN, {"email": user.email, "password": password}, format="json")
    elsewhere = anon_client.post(
        LOGIN,
        {"email": user.email, "password": password},
        format="json",
        REMOTE_ADDR="198.51.100.9",
    )

    assert blocked.status_code == 429
    assert elsewhere.status_code == 200


def test_success_resets_the_per_user_failure_count(anon_client, user, password, settings):
    settings.LOGIN_FAILURES_PER_USER = 2
    anon_client.post(LOGIN, {"email": user.email, "password": "bad"}, format="json")
    assert (
        anon_client.post(
            LOGIN, {"email": user.email, "password": password}, format="json"
        ).status_code
        == 200
    )
    anon_client.post(LOGIN, {"email": user.email, "password": "bad"}, format="json")

    assert (
        anon_client.post(
            LOGIN, {"email": user.email, "password": password}, format="json"
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "email"),
        ({"email": "not-an-email", "password": "x"}, "email"),
        ({"email": "a@example.com"}, "password"),
    ],
)
def test_malformed_login_is_a_400_naming_the_field(anon_client, db, payload, field):
    response = anon_client.post(LOGIN, payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["details"]


def test_login_requires_the_2fa_code_when_2fa_is_on(anon_client, user, password):
    device = TOTPDeviceFactory(user=user)

    without = anon_client.post(LOGIN, {"email": user.email, "password": password}, format="json")
    wrong = anon_client.post(
        LOGIN, {"email": user.email, "password": password, "code": "000000"}, format="json"
    )
    right = anon_client.post(
        LOGIN,
        {"email": user.email, "password": password, "code": fresh_totp_code(device)},
        format="json",
    )

    assert without.status_code == 403
    assert without.json()["error"]["code"] == "2fa_required"
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_2fa_code"
    assert right.status_code == 200


def test_login_enforces_csrf_like_a_browser(csrf_client, user, password):
    refused = csrf_client.post(LOGIN, {"email": user.email, "password": password}, format="json")
    token = csrf_client.get(reverse("auth-csrf")).json()["csrf_token"]
    accepted = csrf_client.post(
        LOGIN, {"email": user.email, "password": password}, format="json", HTTP_X_CSRFTOKEN=token
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200


def test_logout_ends_the_session_and_is_recorded(api_client, user):
    response = api_client.post(reverse("auth-logout"))

    assert response.status_code == 204
    assert api_client.get(reverse("profile")).status_code == 403
    assert Activity.objects.filter(user=user, action=ActivityType.LOGOUT).count() == 1


def test_session_writes_need_the_csrf_token(csrf_client, user):
    csrf_client.force_login(user)

    response = csrf_client.patch(reverse("profile"), {"full_name": "X"}, format="json")

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.full_name == "Ada Trader"
