import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from activities.actor import Actor
from activities.models import Activity, ActivityType, Outcome, Source
from apikeys.models import ApiKey, ApiKeyActivation
from apikeys.tests.factories import issue_key


@pytest.fixture
def inactive_key(user):  # type: ignore[no-untyped-def]
    return issue_key(user=user, active=False, name="Grid bot")


def request_code(client, key, capture) -> str:  # type: ignore[no-untyped-def]
    mail.outbox.clear()
    with capture(execute=True):
        response = client.post(reverse("api-key-activation", args=[key.public_id]))
    assert response.status_code == 202, response.json()
    assert len(mail.outbox) == 1
    return re.search(r"Activation code: (\d+)", mail.outbox[0].body).group(1)


def confirm(client, key, code):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("api-key-activation-confirm", args=[key.public_id]), {"code": code}, format="json"
    )


def test_requesting_activation_emails_a_code_naming_the_key_never_the_secret(
    api_client, user, inactive_key, django_capture_on_commit_callbacks
):
    key, secret = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Grid bot" in message.subject
    assert "Grid bot" in message.body
    assert secret not in message.body
    assert secret not in message.subject
    assert len(code) >= 6
    activation = ApiKeyActivation.objects.get(key=key)
    assert code not in activation.code_hash
    assert activation.expires_at == pytest.approx(
        activation.created_at + timedelta(minutes=10), abs=timedelta(seconds=1)
    )
    row = Activity.objects.get(action=ActivityType.APIKEY_ACTIVATION_REQUESTED)
    assert row.api_key == key.public_id


def test_the_right_code_activates_the_key(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)

    response = confirm(api_client, key, code)

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["actions"] == ["deactivate", "edit", "delete"]
    key.refresh_from_db()
    assert key.is_active
    assert Activity.objects.filter(
        action=ActivityType.APIKEY_ACTIVATED, api_key=key.public_id
    ).exists()


def test_a_wrong_code_is_refused_recorded_and_changes_nothing(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)

    response = confirm(api_client, key, wrong)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_activation_code"
    assert response.json()["error"]["details"] == {"attempts_left": 4}
    key.refresh_from_db()
    assert not key.is_active
    row = Activity.objects.get(action=ActivityType.APIKEY_CODE_FAILED)
    assert row.outcome == Outcome.REFUSED
    assert row.details == {"purpose": "activation", "reason": "invalid_activation_code"}
    assert code not in str(row.details)


def test_an_expired_code_is_refused(api_client, inactive_key, django_capture_on_commit_callbacks):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    ApiKeyActivation.objects.filter(key=key).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = confirm(api_client, key, code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "activation_code_expired"
    key.refresh_from_db()
    assert not key.is_active
    assert Activity.objects.filter(action=ActivityType.APIKEY_CODE_FAILED).count() == 1


def test_a_used_code_cannot_be_used_again(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    assert confirm(api_client, key, code).status_code == 200
    api_client.post(reverse("api-key-deactivate", args=[key.public_id]))

    response = confirm(api_client, key, code)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "activation_not_requested"
    key.refresh_from_db()
    assert not key.is_active


def test_reusing_a_code_on_an_active_key_is_refused(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    confirm(api_client, key, code)
    response = confirm(api_client, key, code)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "api_key_already_active"


def test_five_wrong_tries_void_the_code_and_the_sixth_try_is_refused_even_when_right(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    wrong = "9" * len(code) if code != "9" * len(code) else "8" * len(code)
    lefts = [
        confirm(api_client, key, wrong).json()["error"]["details"]["attempts_left"]
        for _ in range(5)
    ]
    assert lefts == [4, 3, 2, 1, 0]

    response = confirm(api_client, key, code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "activation_code_void"
    key.refresh_from_db()
    assert not key.is_active
    assert Activity.objects.filter(action=ActivityType.APIKEY_CODE_FAILED).count() == 6


def test_a_new_request_replaces_the_old_code(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    first = request_code(api_client, key, django_capture_on_commit_callbacks)
    second = request_code(api_client, key, django_capture_on_commit_callbacks)
    if first != second:
        assert confirm(api_client, key, first).status_code == 400
    assert confirm(api_client, key, second).status_code == 200


def test_confirm_without_a_request_is_refused(api_client, inactive_key):
    key, _ = inactive_key
    response = confirm(api_client, key, "12345678")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "activation_not_requested"


def test_an_active_key_cannot_request_activation(
    api_client, user, django_capture_on_commit_callbacks
):
    key, _ = issue_key(user=user, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(reverse("api-key-activation", args=[key.public_id]))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "api_key_already_active"
    assert mail.outbox == []
    assert not ApiKeyActivation.objects.exists()


def test_the_code_is_stored_hashed(api_client, inactive_key, django_capture_on_commit_callbacks):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    stored = ApiKeyActivation.objects.get(key=key).code_hash
    assert code not in stored
    assert len(stored) > 40


def test_deactivation_voids_a_pending_code(
    api_client, inactive_key, django_capture_on_commit_callbacks
):
    key, _ = inactive_key
    code = request_code(api_client, key, django_capture_on_commit_callbacks)
    api_client.post(reverse("api-key-deactivate", args=[key.public_id]))
    assert confirm(api_client, key, code).status_code == 409
    assert not ApiKey.objects.get(pk=key.pk).is_active


def test_a_queued_code_that_does_not_belong_to_the_challenge_is_not_sent(db):
    from apikeys import crypto
    from apikeys.services import api_key_activation_email_send, api_key_activation_request

    key, _ = issue_key(active=False)
    activation = api_key_activation_request(key=key, actor=Actor(ip=None, source=Source.WEB))
    foreign = crypto.seal_text("11111111", context=f"apikey-activation:{activation.pk}")

    assert api_key_activation_email_send(activation_id=activation.pk, sealed_code=foreign) is False
    assert (
        api_key_activation_email_send(activation_id=activation.pk, sealed_code="garbage") is False
    )
    assert (
        api_key_activation_email_send(activation_id=activation.pk + 1, sealed_code=foreign) is False
    )
    assert mail.outbox == []
