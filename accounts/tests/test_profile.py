import pytest
from django.urls import reverse

from accounts.models import VerificationLevel
from activities.models import Activity, ActivityType

PROFILE = reverse("profile")


def test_profile_shows_the_account_fields(api_client, user):
    body = api_client.get(PROFILE).json()

    assert body == {
        "public_id": user.public_id,
        "email": "trader@example.com",
        "full_name": "Ada Trader",
        "country": "GB",
        "verification_level": "none",
        "two_factor_enabled": False,
        "recovery_codes_left": 0,
        "email_verified": True,
        "allowed": {"trade": False, "transfer_internal": False, "transfer_wallet": False},
        "date_joined": body["date_joined"],
    }
    assert body["public_id"].startswith("up")
    assert len(body["public_id"]) == 8


def test_anonymous_profile_is_refused(anon_client, db):
    response = anon_client.get(PROFILE)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_update_changes_name_and_country_and_records_old_and_new(api_client, user):
    response = api_client.patch(
        PROFILE, {"full_name": "Ada L.", "country": "fr"}, format="json", REMOTE_ADDR="192.0.2.5"
    )

    assert response.status_code == 200
    assert response.json()["country"] == "FR"
    row = Activity.objects.get(user=user, action=ActivityType.PROFILE_UPDATED)
    assert row.details == {
        "changes": {
            "full_name": {"old": "Ada Trader", "new": "Ada L."},
            "country": {"old": "GB", "new": "FR"},
        }
    }
    assert row.ip == "192.0.2.5"


def test_an_update_that_changes_nothing_records_nothing(api_client, user):
    api_client.patch(PROFILE, {"full_name": "Ada Trader"}, format="json")

    assert not Activity.objects.filter(action=ActivityType.PROFILE_UPDATED).exists()


@pytest.mark.parametrize("country", ["XX", "GBR", "12", "uk"])
def test_unknown_country_codes_are_refused(api_client, user, country):
    response = api_client.patch(PROFILE, {"country": country}, format="json")

    assert response.status_code == 400
    assert "country" in response.json()["error"]["details"]
    user.refresh_from_db()
    assert user.country == "GB"


def test_read_only_fields_cannot_be_changed(api_client, user):
    api_client.patch(
        PROFILE,
        {"email": "evil@example.com", "verification_level": "advanced", "public_id": "up000001"},
        format="json",
    )

    user.refresh_from_db()
    assert (user.email, user.verification_level) == ("trader@example.com", "none")


def test_verified_identity_fields_are_locked(api_client, user):
    user.verification_level = VerificationLevel.VERIFIED
    user.save()

    response = api_client.patch(PROFILE, {"full_name": "Someone Else"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "profile_locked"
    user.refresh_from_db()
    assert user.full_name == "Ada Trader"
