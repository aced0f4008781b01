from django.urls import reverse

from activities.actor import Actor
from activities.models import Activity, ActivityType, Source
from apikeys.selectors import api_key_get_for_auth
from apikeys.services import api_key_deactivate
from apikeys.tests.factories import issue_key


def test_deactivate_turns_the_key_off_and_records_it(api_client, user):
    key, _ = issue_key(user=user, active=True)

    response = api_client.post(reverse("api-key-deactivate", args=[key.public_id]))

    assert response.status_code == 200
    assert response.json()["status"] == "inactive"
    assert response.json()["actions"] == ["activate", "edit", "delete"]
    key.refresh_from_db()
    assert not key.is_active
    row = Activity.objects.get(action=ActivityType.APIKEY_DEACTIVATED)
    assert row.api_key == key.public_id
    assert row.source == Source.WEB
    assert row.details == {"name": key.name, "reason": "requested"}


def test_deactivating_an_inactive_key_is_a_no_op(api_client, user):
    key, _ = issue_key(user=user, active=False)
    response = api_client.post(reverse("api-key-deactivate", args=[key.public_id]))
    assert response.status_code == 200
    assert not Activity.objects.filter(action=ActivityType.APIKEY_DEACTIVATED).exists()


def test_a_deactivated_key_is_refused_at_once_even_with_a_warm_cache(
    db, django_capture_on_commit_callbacks
):
    key, _ = issue_key(active=True)
    assert api_key_get_for_auth(public_id=key.public_id).is_active

    with django_capture_on_commit_callbacks(execute=True):
        api_key_deactivate(key=key, actor=Actor(ip="10.0.0.1", source=Source.WEB))

    assert api_key_get_for_auth(public_id=key.public_id).is_active is False


def test_reactivation_needs_a_new_email_code(api_client, user):
    key, _ = issue_key(user=user, active=True)
    api_client.post(reverse("api-key-deactivate", args=[key.public_id]))
    response = api_client.post(
        reverse("api-key-activation-confirm", args=[key.public_id]),
        {"code": "12345678"},
        format="json",
    )
    assert response.status_code == 409
    key.refresh_from_db()
    assert not key.is_active
