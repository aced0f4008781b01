"""Test data. Keys come only through the real service, so a test holds the secret exactly as a client would."""

from collections.abc import Iterable

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import user_create
from activities.actor import Actor
from apikeys.models import ApiKey, Permission
from apikeys.services import api_key_issue

ALL_PERMISSIONS = tuple(Permission.values)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"keyholder{n}@example.com")
    password = "a long test password"
    full_name = factory.Faker("name")
    verification_level = "verified"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return user_create(**kwargs)


def issue_key(
    *,
    user: User | None = None,
    permissions: Iterable[str] = ALL_PERMISSIONS,
    active: bool = True,
    ip_whitelist: Iterable[str] = (),
    name: str = "Test key",
) -> tuple[ApiKey, str]:
    """A key via `api_key_issue` and its plaintext secret; creates a user when none is given."""
    issued = api_key_issue(
        user=user or UserFactory(),
        name=name,
        permissions=permissions,
        ip_whitelist=ip_whitelist,
        active=active,
        actor=Actor.system(),
    )
    return issued.key, issued.secret


def enable_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(user: User) -> str:
    """A currently valid code for the user's device. Forgets the last accepted step first, so one test may
    spend several codes within the same 30-second step (django-otp refuses a reused step, rightly)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"
