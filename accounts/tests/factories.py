import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User, VerificationLevel, new_public_id


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    public_id = factory.LazyFunction(new_public_id)
    full_name = factory.Faker("name")
    country = "DE"
    # Verified by default, so a factory user may trade and move funds like the suite's `user` fixture;
    # `unverified=True` makes a fresh sign-up's level.
    verification_level = VerificationLevel.VERIFIED
    password = factory.django.Password("correct horse battery staple")

    class Params:
        verified = factory.Trait(verification_level=VerificationLevel.VERIFIED)
        unverified = factory.Trait(verification_level=VerificationLevel.NONE)


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the user's authenticator shows now (or `offset_steps` windows away)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_totp_code(device: TOTPDevice) -> str:
    """A valid code even if this window's code was already used (replays are refused by design)."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return totp_code(device)


def otp_login(client: Client, user: User) -> Client:
    """Log `user` in as the admin requires: a session verified by their confirmed authenticator."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDeviceFactory(user=user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def staff_client(*permissions: str, email: str = "clerk@example.com") -> tuple[User, Client]:
    """A staff member who is not a superuser, holding only `permissions` ("app_label.codename"), logged in to
    the admin with 2FA."""
    from django.contrib.auth.models import Permission

    member = UserFactory(email=email, is_staff=True)
    for name in permissions:
        app_label, codename = name.split(".")
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return member, otp_login(Client(), member)
