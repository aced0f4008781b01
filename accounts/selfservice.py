"""Self-service account flows: sign-up, e-mail verification, password reset and change, sessions.

django-allauth runs sign-up, e-mail confirmation and password reset (keys, expiry, rate limits, enumeration
prevention); it calls in here (accounts/allauth.py) for the parts that are this project's: creating the user
through `user_create`, the activity rows, and ending sessions. Password change and the sessions list are served by
accounts' own API because they need the TOTP step and the project's error envelope.

Sessions are allauth.usersessions rows (one per Django session: created, last seen, IP, user agent); ending one
deletes the Django session itself, so its next request is anonymous.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from accounts.errors import (
    PasswordRejectedError,
    SessionNotFoundError,
    WrongPasswordError,
)
from accounts.models import User, VerificationLevel
from accounts.services import _login_limits, totp_require_if_enabled, user_create
from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import record

# --- Sign-up and e-mail verification ----------------------------------------------------------------


@transaction.atomic
def user_signup(*, email: str, password: str, full_name: str, country: str, actor: Actor) -> User:
    """Create a self-registered user: level "none", e-mail not yet confirmed (allauth adds the unconfirmed
    address and mails the link). Raises `UserExistsError` (a race with another sign-up; allauth has already
    answered existing addresses neutrally). Records `auth.signed_up`."""
    user = user_create(
        email=email,
        password=password,
        full_name=full_name,
        country=country,
        verification_level=VerificationLevel.NONE,
        email_verified=False,
    )
    record(
        user=user,
        action=ActivityType.SIGNED_UP,
        actor=actor,
        details={"country": user.country.code},
    )
    return user


def email_is_verified(*, user: User) -> bool:
    """True when the login address is confirmed. Users made by an operator (`user_create`) are created
    confirmed; a user with no address row at all (made in the admin, or before sign-up existed) counts as
    confirmed too, because nobody ever asked them to confirm."""
    states = list(
        EmailAddress.objects.filter(user=user, email__iexact=user.email).values_list(
            "verified", flat=True
        )
    )
    return not states or any(states)


def email_verified(*, user: User, email: str, actor: Actor, by: str = "link") -> None:
    """Records `auth.email_verified` (allauth has marked the address confirmed)."""
    record(
        user=user,
        action=ActivityType.EMAIL_VERIFIED,
        actor=actor,
        details={"email": email, "by": by},
    )


# --- Passwords --------------------------------------------------------------------------------------


def password_reset_requested(*, user: User, actor: Actor) -> None:
    """Records `auth.password_reset_requested` (allauth is mailing the key; unknown addresses get a
    neutral mail and no row)."""
    record(user=user, action=ActivityType.PASSWORD_RESET_REQUESTED, actor=actor)


@transaction.atomic
def password_reset_done(*, user: User, actor: Actor) -> int:
    """After allauth set the new password from a reset key: end every session of the user, and count the
    login address as confirmed (the key reached that mailbox). Returns how many sessions ended.

    Records `auth.password_reset`, `auth.session_ended` per session and `auth.email_verified` when the address
    was unconfirmed."""
    record(user=user, action=ActivityType.PASSWORD_RESET, actor=actor)
    confirmed = EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=False
    ).update(verified=True)
    if confirmed:
        email_verified(user=user, email=user.email, actor=actor, by="password_reset")
    return _sessions_end(
        UserSession.objects.filter(user=user), user=user, actor=actor, reason="password_reset"
    )


def password_change(
    *,
    user: User,
    current_password: str,
    new_password: str,
    code: str | None,
    actor: Actor,
    current_session_key: str | None,
) -> User:
    """Change the password: the current one, a new one that passes Django's validators, and the 2FA code (or a
    recovery code) when 2FA is on. Every other session of the user ends; the caller keeps its own
    (`update_session_auth_hash`).

    Raises `TooManyAttemptsError` (wrong current passwords share the login lock-out), `WrongPasswordError`,
    `PasswordRejectedError` (`details.new_password`), `TwoFactorRequiredError` (code missing) and
    `totp_require`'s errors. Records `auth.password_changed` (refused ones too, with the reason) and
    `auth.session_ended` per ended session.
    """
    per_user, _ = _login_limits()
    per_user.check(user.email)
    if not user.check_password(current_password):
        per_user.fail(user.email)
        record(
            user=user,
            action=ActivityType.PASSWORD_CHANGED,
            actor=actor,
            outcome=Outcome.REFUSED,
            details={"reason": "wrong_password"},
        )
        raise WrongPasswordError()
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise PasswordRejectedError(
            " ".join(exc.messages), details={"new_password": list(exc.messages)}
        ) from None
    totp_require_if_enabled(user=user, code=code, actor=actor, purpose="password_change")
    with transaction.atomic(durable=True):
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        record(user=locked, action=ActivityType.PASSWORD_CHANGED, actor=actor)
        _sessions_end(
            UserSession.objects.filter(user=locked).exclude(session_key=current_session_key or ""),
            user=locked,
            actor=actor,
            reason="password_changed",
        )
    return locked


# --- Sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    created_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str
    is_current: bool


def session_started(*, request: Any) -> None:
    """Register the request's (just logged-in) session for the sessions list; the middleware keeps its
    last-seen time, IP and user agent up to date afterwards."""
    UserSession.objects.create_from_request(request)


def sessions_list(*, user: User, current_session_key: str | None) -> list[SessionInfo]:
    """The user's live sessions, newest first. Rows of sessions that expired or were logged out are dropped
    on the way (allauth's `purge_and_list`)."""
    live = UserSession.objects.purge_and_list(user)
    live.sort(key=lambda s: (s.created_at, s.pk), reverse=True)
    return [
        SessionInfo(
            id=s.pk,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            ip=s.ip,
            user_agent=s.user_agent,
            is_current=bool(current_session_key) and s.session_key == current_session_key,
        )
        for s in live
    ]


def _sessions_end(sessions: Any, *, user: User, actor: Actor, reason: str) -> int:
    ended = 0
    for session in list(sessions):
        session_id = session.pk
        session.end()  # deletes the Django session (its next request is anonymous) and the row
        record(
            user=user,
            action=ActivityType.SESSION_ENDED,
            actor=actor,
            details={"session": session_id, "reason": reason, "session_ip": session.ip},
        )
        ended += 1
    return ended


@transaction.atomic(durable=True)
def session_end(
    *, user: User, session_id: int, actor: Actor, current_session_key: str | None
) -> bool:
    """End one of the user's sessions at once. Returns True when it was the caller's own session.

    Raises `SessionNotFoundError` (404) for an id that is not one of the user's sessions (another user's
    included). Records `auth.session_ended`."""
    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is None:
        raise SessionNotFoundError()
    is_current = bool(current_session_key) and session.session_key == current_session_key
    _sessions_end([session], user=user, actor=actor, reason="ended_by_user")
    return is_current


@transaction.atomic(durable=True)
def sessions_end_others(*, user: User, actor: Actor, current_session_key: str | None) -> int:
    """End every session of the user but the caller's. Returns how many ended. Records
    `auth.session_ended` per session."""
    others = UserSession.objects.filter(user=user).exclude(session_key=current_session_key or "")
    return _sessions_end(others, user=user, actor=actor, reason="ended_by_user")
