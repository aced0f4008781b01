"""Account workflows: users, session login, profile changes and TOTP two-factor authentication."""

import io
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django_countries import countries
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import (
    InvalidCredentialsError,
    InvalidTotpCodeError,
    ProfileLockedError,
    TwoFactorAlreadyEnabledError,
    TwoFactorEnrolmentMissingError,
    TwoFactorRequiredError,
    UserExistsError,
)
from accounts.models import User, VerificationLevel, new_public_id
from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import record
from common.limits import FailureLimit

DEVICE_NAME = "Authenticator app"


def _login_limits() -> tuple[FailureLimit, FailureLimit]:
    window = settings.AUTH_FAILURE_WINDOW_S
    return (
        FailureLimit("login-user", settings.LOGIN_FAILURES_PER_USER, window),
        FailureLimit("login-ip", settings.LOGIN_FAILURES_PER_IP, window),
    )


def _totp_limits() -> tuple[FailureLimit, FailureLimit]:
    window = settings.AUTH_FAILURE_WINDOW_S
    return (
        FailureLimit("totp-user", settings.TOTP_FAILURES_PER_USER, window),
        FailureLimit("totp-ip", settings.TOTP_FAILURES_PER_IP, window),
    )


# --- Users ------------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively everywhere, so they are stored lower-case."""
    return email.strip().lower()


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    country: str = "",
    verification_level: str = VerificationLevel.NONE,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user with a fresh public id. Raises `UserExistsError` for a taken email (case-insensitive)."""
    email = normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise UserExistsError()
    if country and country.upper() not in countries:
        raise ValueError(f"Unknown country code {country!r}")
    user = User(
        email=email,
        full_name=full_name,
        country=country.upper(),
        verification_level=VerificationLevel(verification_level),
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    # Six random digits collide now and then; the unique column decides, and a savepoint lets us retry.
    for _ in range(10):
        user.public_id = new_public_id()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            if User.objects.filter(email__iexact=email).exists():
                raise UserExistsError() from None
            continue
        return user
    raise RuntimeError("could not allocate a unique public id")


def user_authenticate(*, email: str, password: str, code: str | None, actor: Actor) -> User:
    """Check a login. Returns the user, or raises.

    Raises `TooManyAttemptsError` when the email or the IP has too many recent failures (checked first, so a
    locked-out login reveals nothing about the password), `InvalidCredentialsError` for a wrong email or
    password, and the TOTP errors of `totp_require` when the user has 2FA on. Records `auth.login` or, for a known
    user, `auth.login_failed`.
    """
    email = normalize_email(email)
    per_user, per_ip = _login_limits()
    per_user.check(email)
    per_ip.check(actor.ip)
    user = authenticate(email=email, password=password)
    if user is None:
        per_user.fail(email)
        per_ip.fail(actor.ip)
        known = User.objects.filter(email__iexact=email).first()
        if known is not None:
            record(
                user=known,
                action=ActivityType.LOGIN_FAILED,
                actor=actor,
                outcome=Outcome.REFUSED,
                details={"reason": "wrong_password"},
            )
        raise InvalidCredentialsError()
    if totp_is_enabled(user=user):
        if not code:
            raise TwoFactorRequiredError(
                "Enter the code from your authenticator app.", details={"field": "code"}
            )
        totp_require(user=user, code=code, actor=actor, purpose="login")
    per_user.reset(email)
    record(user=user, action=ActivityType.LOGIN, actor=actor)
    return user


def user_logged_out(*, user: User, actor: Actor) -> None:
    record(user=user, action=ActivityType.LOGOUT, actor=actor)


# --- Profile ----------------------------------------------------------------------------------------

EDITABLE_PROFILE_FIELDS = ("full_name", "country")


@transaction.atomic(durable=True)
def profile_update(*, user: User, actor: Actor, **changes: Any) -> User:
    """Change the fields a user may change (`full_name`, `country`).

    Once the identity is verified (level above "none") these fields are locked: `ProfileLockedError`.
    Records `profile.updated` with the changed fields, old and new; records nothing when nothing changed.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    unknown = set(changes) - set(EDITABLE_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed: dict[str, dict[str, str]] = {}
    for field, new in changes.items():
        old = str(getattr(user, field) or "")
        new = str(new or "")
        if old != new:
            changed[field] = {"old": old, "new": new}
    if not changed:
        return user
    if user.verification_level != VerificationLevel.NONE:
        raise ProfileLockedError(details={"fields": sorted(changed)})
    for field, values in changed.items():
        setattr(user, field, values["new"])
    user.save(update_fields=list(changed))
    record(
        user=user, action=ActivityType.PROFILE_UPDATED, actor=actor, details={"changes": changed}
    )
    return user


# --- Two-factor authentication (TOTP) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    otpauth_uri: str
    qr_svg: str


def totp_is_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@transaction.atomic(durable=True)
def totp_enrol_start(*, user: User) -> TotpEnrolment:
    """Start (or restart) enrolment: a new unconfirmed device, replacing any earlier unconfirmed one.

    Raises `TwoFactorAlreadyEnabledError` when a confirmed device exists (disable it first).
    """
    if totp_is_enabled(user=user):
        raise TwoFactorAlreadyEnabledError()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    uri = device.config_url
    return TotpEnrolment(otpauth_uri=uri, qr_svg=_qr_svg(uri))


def _verify(*, user: User, device: TOTPDevice, code: str, actor: Actor, purpose: str) -> None:
    per_user, per_ip = _totp_limits()
    per_user.check(str(user.pk))
    per_ip.check(actor.ip)
    code = (code or "").strip()
    if code.isdigit() and device.verify_token(code):
        per_user.reset(str(user.pk))
        return
    per_user.fail(str(user.pk))
    per_ip.fail(actor.ip)
    record(
        user=user,
        action=ActivityType.TWO_FACTOR_FAILED,
        actor=actor,
        outcome=Outcome.REFUSED,
        details={"purpose": purpose},
    )
    raise InvalidTotpCodeError()


def totp_enrol_confirm(*, user: User, code: str, actor: Actor) -> None:
    """Confirm the pending device with a code from it. Records `2fa.enabled` (or `2fa.failed`)."""
    if totp_is_enabled(user=user):
        raise TwoFactorAlreadyEnabledError()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise TwoFactorEnrolmentMissingError()
    _verify(user=user, device=device, code=code, actor=actor, purpose="enrol")
    with transaction.atomic(durable=True):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(user=user, action=ActivityType.TWO_FACTOR_ENABLED, actor=actor)


def totp_disable(*, user: User, code: str, actor: Actor) -> None:
    """Remove the user's authenticator after a valid code. Records `2fa.disabled` (or `2fa.failed`)."""
    totp_require(user=user, code=code, actor=actor, purpose="disable")
    with transaction.atomic(durable=True):
        TOTPDevice.objects.filter(user=user).delete()
        record(user=user, action=ActivityType.TWO_FACTOR_DISABLED, actor=actor)


def totp_require(*, user: User, code: str | None, actor: Actor, purpose: str) -> None:
    """The check every sensitive action calls: the user has a confirmed authenticator and `code` is valid now.

    Raises `TwoFactorRequiredError` (code `2fa_required`) when the user has no confirmed device,
    `TooManyAttemptsError` after too many wrong codes (per user and per IP), `InvalidTotpCodeError` for a wrong
    or reused code. A wrong code is recorded as `2fa.failed` with `purpose`.
    Call it before opening your own transaction: the failure record must survive your rollback.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise TwoFactorRequiredError()
    _verify(user=user, device=device, code=code or "", actor=actor, purpose=purpose)
