"""Account workflows: users, session login, profile changes and TOTP two-factor authentication."""

import io
import secrets
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django_countries import countries
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.errors import (
    EmailNotVerifiedError,
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
from common.errors import DomainError, TooManyAttemptsError
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
    email_verified: bool = True,
) -> User:
    """Create a user with a fresh public id. Raises `UserExistsError` for a taken email (case-insensitive).

    Users made here (operator command, demo data, tests) get their address recorded as confirmed;
    `email_verified=False` is for sign-up, where allauth records the unconfirmed address and mails the link."""
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
        if email_verified:
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user
    raise RuntimeError("could not allocate a unique public id")


def user_authenticate(
    *, email: str, password: str, code: str | None, actor: Actor, staff: bool = False
) -> User:
    """Check a login at either door (the frontend JSON API, or the admin with `staff=True`). Returns the user,
    or raises. Both doors share one set of failure limits, so an account or IP locked at one is locked at both.

    Raises `TooManyAttemptsError` when the email or the IP has too many recent failures (checked first, so a
    locked-out login reveals nothing about the password), `InvalidCredentialsError` for a wrong email or
    password, `EmailNotVerifiedError` for a signed-up user who has not confirmed the address (a fresh link is
    mailed, within allauth's rate limit), and the TOTP errors of `totp_require` when the user has 2FA on. With
    `staff=True` the user must be active staff (else `InvalidCredentialsError`, as for a wrong password) and must
    have 2FA on and give a code (else `TwoFactorRequiredError`): the admin never lets a password alone in.
    Records, for a known user, `auth.login`, `auth.login_failed` (with the reason) or `auth.login_locked`; a
    wrong code also leaves the `2fa.failed` row of `totp_require`.
    """
    email = normalize_email(email)
    per_user, per_ip = _login_limits()

    def refused(action: ActivityType, reason: str, who: User | None = None) -> None:
        known = who or User.objects.filter(email__iexact=email).first()
        if known is not None:
            record(
                user=known,
                action=action,
                actor=actor,
                outcome=Outcome.REFUSED,
                details={"reason": reason},
            )

    try:
        per_user.check(email)
        per_ip.check(actor.ip)
    except TooManyAttemptsError:
        refused(ActivityType.LOGIN_LOCKED, "too_many_failures")
        raise
    user = authenticate(email=email, password=password)
    if user is None:
        per_user.fail(email)
        per_ip.fail(actor.ip)
        refused(ActivityType.LOGIN_FAILED, "wrong_password")
        raise InvalidCredentialsError()
    if staff and not user.is_staff:
        refused(ActivityType.LOGIN_FAILED, "not_staff", user)
        raise InvalidCredentialsError()
    if not _email_is_verified(user):
        refused(ActivityType.LOGIN_FAILED, "email_unverified", user)
        if _verification_email_send(user):
            raise EmailNotVerifiedError(
                "Confirm your e-mail address first: we have sent you a new confirmation link."
            )
        raise EmailNotVerifiedError()
    if staff and not totp_is_enabled(user=user):
        refused(ActivityType.LOGIN_FAILED, "2fa_not_enabled", user)
        raise TwoFactorRequiredError(
            "Staff must turn on two-factor authentication before using the admin."
        )
    try:
        totp_require_if_enabled(
            user=user, code=code, actor=actor, purpose="admin_login" if staff else "login"
        )
    except TooManyAttemptsError:
        refused(ActivityType.LOGIN_LOCKED, "too_many_wrong_codes", user)
        raise
    except TwoFactorRequiredError:
        if staff:
            refused(ActivityType.LOGIN_FAILED, "2fa_code_missing", user)
        raise
    except DomainError as exc:
        refused(ActivityType.LOGIN_FAILED, exc.code, user)
        raise
    per_user.reset(email)
    record(user=user, action=ActivityType.LOGIN, actor=actor)
    return user


def _email_is_verified(user: User) -> bool:
    from accounts.selfservice import email_is_verified  # selfservice builds on this module

    return email_is_verified(user=user)


def _verification_email_send(user: User) -> bool:
    from accounts.allauth import verification_email_send

    return verification_email_send(user=user)


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
    """The one place a second-factor code is checked: the device's TOTP code or, once 2FA is on, one of the
    user's recovery codes (spent by the check). Failures count toward the per-user and per-IP limits."""
    per_user, per_ip = _totp_limits()
    per_user.check(str(user.pk))
    per_ip.check(actor.ip)
    code = (code or "").strip()
    if code.isdigit() and device.verify_token(code):
        per_user.reset(str(user.pk))
        return
    if device.confirmed and recovery_code_spend(user=user, code=code, actor=actor, purpose=purpose):
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


def totp_enrol_confirm(*, user: User, code: str, actor: Actor) -> list[str]:
    """Confirm the pending device with a code from it; returns the new recovery codes (shown once).

    Records `2fa.enabled` and `2fa.recovery_codes_generated` (or `2fa.failed`)."""
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
        return _recovery_codes_replace(user=user, actor=actor, reason="2fa_enabled")


def totp_disable(*, user: User, code: str, actor: Actor) -> None:
    """Remove the user's authenticator and recovery codes after a valid code (a recovery code will do).

    Records `2fa.disabled` (or `2fa.failed`)."""
    totp_require(user=user, code=code, actor=actor, purpose="disable")
    with transaction.atomic(durable=True):
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(user=user, action=ActivityType.TWO_FACTOR_DISABLED, actor=actor)


def totp_require_if_enabled(*, user: User, code: str | None, actor: Actor, purpose: str) -> None:
    """The second step of login and password change: nothing without 2FA; with it, `code` must pass
    `totp_require` (a missing code is `TwoFactorRequiredError` with `details.field = "code"`)."""
    if not totp_is_enabled(user=user):
        return
    if not code:
        raise TwoFactorRequiredError(
            "Enter the code from your authenticator app (or a recovery code).",
            details={"field": "code"},
        )
    totp_require(user=user, code=code, actor=actor, purpose=purpose)


def totp_require(*, user: User, code: str | None, actor: Actor, purpose: str) -> None:
    """The check every sensitive action calls: the user has a confirmed authenticator and `code` is valid now
    (a code from the authenticator, or one unused recovery code, which this spends).

    Raises `TwoFactorRequiredError` (code `2fa_required`) when the user has no confirmed device,
    `TooManyAttemptsError` after too many wrong codes (per user and per IP), `InvalidTotpCodeError` for a wrong
    or reused code. A wrong code is recorded as `2fa.failed` with `purpose`.
    Call it before opening your own transaction: the failure record must survive your rollback.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise TwoFactorRequiredError()
    _verify(user=user, device=device, code=code or "", actor=actor, purpose=purpose)


# --- Recovery codes (django-otp static tokens) ------------------------------------------------------

RECOVERY_DEVICE_NAME = "Recovery codes"
# No 0/o, 1/l/i: a code read off paper is typed back right.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10


def _recovery_code_normalize(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_code_format(token: str) -> str:
    """How a code is shown: two groups of five (`abcde-fghjk`); typing it with or without the dash works."""
    half = len(token) // 2
    return f"{token[:half]}-{token[half:]}"


def _recovery_codes_replace(*, user: User, actor: Actor, reason: str) -> list[str]:
    # Inside the caller's transaction: the old codes die with the commit that hands out the new ones.
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    tokens = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(settings.RECOVERY_CODES_COUNT)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=t) for t in tokens])
    record(
        user=user,
        action=ActivityType.RECOVERY_CODES_GENERATED,
        actor=actor,
        details={"count": len(tokens), "reason": reason},
    )
    return [recovery_code_format(t) for t in tokens]


def recovery_codes_regenerate(*, user: User, code: str, actor: Actor) -> list[str]:
    """Replace the user's recovery codes after a valid 2FA code; returns the new ones (shown once).

    Raises `totp_require`'s errors. Records `2fa.recovery_codes_generated` (the old codes stop working).
    """
    totp_require(user=user, code=code, actor=actor, purpose="recovery_codes")
    with transaction.atomic(durable=True):
        return _recovery_codes_replace(user=user, actor=actor, reason="regenerated")


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_code_spend(*, user: User, code: str, actor: Actor, purpose: str) -> bool:
    """Spend one of the user's recovery codes: True if `code` was an unused one (it is now gone).

    The token row is deleted by one DELETE whose row count decides: of two requests racing with the same code
    only one deletes the row (the other's DELETE finds it gone), so a code works once even under concurrency.
    Records `2fa.recovery_code_used` with the purpose and how many codes are left (never the code).
    """
    token = _recovery_code_normalize(code)
    if len(token) != RECOVERY_CODE_LENGTH:
        return False
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        deleted, _ = StaticToken.objects.filter(device=device, token=token).delete()
        if deleted:
            device.set_last_used_timestamp(commit=True)
            record(
                user=user,
                action=ActivityType.RECOVERY_CODE_USED,
                actor=actor,
                details={"purpose": purpose, "left": recovery_codes_left(user=user)},
            )
            return True
    return False
