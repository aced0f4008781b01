import pytest
from django.urls import reverse

from accounts.tests.factories import TOTPDeviceFactory, otp_login
from activities.tests.factories import ActivityFactory

ADMIN_PAGES = [
    "admin:accounts_user_changelist",
    "admin:activities_activity_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_answer_staff(client, staff_user, user, name):
    ActivityFactory(user=user)
    otp_login(client, staff_user)

    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_redirect_others_to_login(client, user, name):
    client.force_login(user)

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_user_page_shows_profile_and_2fa_devices_but_not_the_totp_key(client, staff_user, user):
    device = TOTPDeviceFactory(user=user)
    otp_login(client, staff_user)

    page = client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()

    assert user.public_id in page
    assert "Authenticator app" in page
    assert device.key not in page


def test_activities_are_read_only_in_the_admin(client, staff_user, user):
    row = ActivityFactory(user=user)
    otp_login(client, staff_user)

    change = client.post(
        reverse("admin:activities_activity_change", args=[row.pk]), {"action": "x"}
    )
    delete = client.post(
        reverse("admin:activities_activity_delete", args=[row.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    row.refresh_from_db()
    assert row.action == "auth.login"


def test_activity_admin_searches_by_email_and_ip_and_filters_by_action(
    client, staff_user, user, other_user
):
    ActivityFactory(user=user, ip="198.51.100.1")
    ActivityFactory(user=other_user, ip="198.51.100.2", action="auth.logout")
    otp_login(client, staff_user)
    url = reverse("admin:activities_activity_changelist")

    by_email = client.get(url, {"q": user.email}).context["cl"].result_count
    by_ip = client.get(url, {"q": "198.51.100.2"}).context["cl"].result_count
    by_action = client.get(url, {"action__exact": "auth.logout"}).context["cl"].result_count

    assert (by_email, by_ip, by_action) == (1, 1, 1)


def test_staff_can_add_a_user_in_the_admin(client, staff_user):
    from accounts.models import User

    otp_login(client, staff_user)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "full_name": "New",
            "country": "NL",
            "password1": "a-long-password-123",
            "password2": "a-long-password-123",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    created = User.objects.get(email="new@example.com")
    assert created.public_id.startswith("up")


def _user_form(user, **changes):  # type: ignore[no-untyped-def]
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "country": user.country.code if user.country else "",
        "verification_level": user.verification_level,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "otp_totp_totpdevice_set-TOTAL_FORMS": "0",
        "otp_totp_totpdevice_set-INITIAL_FORMS": "0",
        "otp_totp_totpdevice_set-MIN_NUM_FORMS": "0",
        "otp_totp_totpdevice_set-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_changing_a_verification_level_needs_its_permission_and_names_the_clerk(user):
    from accounts.models import User, VerificationLevel
    from accounts.tests.factories import staff_client
    from activities.models import Activity, ActivityType

    _, editor = staff_client("accounts.view_user", "accounts.change_user", email="ed@example.com")
    clerk, client = staff_client(
        "accounts.view_user", "accounts.change_user", "accounts.change_verification_level"
    )
    url = reverse("admin:accounts_user_change", args=[user.pk])

    plain = editor.post(url, _user_form(user, verification_level="verified", full_name="Ada T."))
    assert plain.status_code == 302, plain.content[:3000]
    assert (
        User.objects.get(pk=user.pk).verification_level,
        User.objects.get(pk=user.pk).full_name,
    ) == (
        VerificationLevel.NONE,
        "Ada T.",
    )
    assert not Activity.objects.filter(action=ActivityType.LEVEL_CHANGED).exists()

    done = client.post(url, _user_form(user, verification_level="verified"))

    assert done.status_code == 302, done.content[:3000]
    assert User.objects.get(pk=user.pk).verification_level == VerificationLevel.VERIFIED
    row = Activity.objects.get(action=ActivityType.LEVEL_CHANGED)
    assert (row.user, row.source, row.details) == (
        user,
        "admin",
        {"by": clerk.email, "old": "none", "new": "verified", "reason": ""},
    )
