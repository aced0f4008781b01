"""API key lifecycle: issue/create, email activation, deactivation, edit, deletion, last-use stamps.

Every change to a key runs in one transaction that also writes its activity row (`api_key` = the public id, never
the secret) and, after commit, drops the key from the gateway's shared cache (apikeys/auth_cache.py).
"""

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from accounts.services import totp_require
from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import record
from apikeys import auth_cache, crypto
from apikeys.errors import (
    ActivationCodeExpiredError,
    ActivationCodeInvalidError,
    ActivationCodeVoidError,
    ActivationNotRequestedError,
    ApiKeyAlreadyActiveError,
    ApiKeyLimitReachedError,
    ApiKeyNotFoundError,
)
from apikeys.events import KeyChanged
from apikeys.models import PERMISSION_FLAGS, ApiKey, ApiKeyActivation, held_permissions
from apikeys.validation import name_normalize, permissions_normalize, whitelist_normalize
from common.errors import DomainError
from common.events import emit

logger = logging.getLogger(__name__)

ACTIVATION_CODE_DIGITS = 8
TOUCH_INTERVAL_S = 60


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    key: ApiKey
    # Shown once, in the creation response; never stored in plaintext.
    secret: str = field(repr=False)


def _lock(key: ApiKey) -> ApiKey:
    # of=("self",): lock the key row only, not the user row joined for activity records.
    locked = (
        ApiKey.objects.select_related("user")
        .select_for_update(of=("self",))
        .filter(pk=key.pk)
        .first()
    )
    if locked is None:
        raise ApiKeyNotFoundError()
    return locked


def _void_open_activations(key: ApiKey, now: datetime) -> None:
    key.activations.filter(used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)


def _check_key_limit(user: Any) -> None:
    limit = settings.API_KEY_MAX_PER_USER
    if ApiKey.objects.filter(user=user).count() >= limit:
        raise ApiKeyLimitReachedError(
            f"You can hold at most {limit} API keys. Delete one to create another.",
            details={"max": limit},
        )


# --- Creation ---------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def api_key_issue(
    *,
    user: Any,
    name: str,
    permissions: Iterable[str],
    ip_whitelist: Iterable[str] = (),
    active: bool = False,
    actor: Actor,
    fixed_credentials: tuple[str, str] | None = None,
) -> IssuedApiKey:
    """Create a key and its secret, with no 2FA check (the building block of `api_key_create`, the operator
    command, demo data and tests).

    `fixed_credentials` = (key id, secret) is for the embedded mode's documented demo key only; every other
    caller lets the service draw both at random.

    Locks the user row, so concurrent creations cannot pass the per-user limit together. Raises
    `ApiKeyLimitReachedError` and the validation errors (name, permission, whitelist). Records `apikey.created`.
    """
    name = name_normalize(name)
    perms = permissions_normalize(permissions)
    whitelist = whitelist_normalize(ip_whitelist)
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    _check_key_limit(user)
    public_id, secret = fixed_credentials or (secrets.token_urlsafe(24), secrets.token_urlsafe(32))
    key = ApiKey.objects.create(
        user=user,
        name=name,
        public_id=public_id,
        secret_encrypted=crypto.encrypt(secret.encode(), associated_data=public_id.encode()),
        ip_whitelist=whitelist,
        is_active=active,
        **{flag: perm in perms for perm, flag in PERMISSION_FLAGS.items()},
    )
    record(
        user=user,
        action=ActivityType.APIKEY_CREATED,
        actor=actor.on_key(public_id),
        details={
            "name": name,
            "permissions": key.permissions,
            "ip_whitelist": whitelist,
            "active": active,
        },
    )
    # A lookup of this id a moment ago may have cached "unknown".
    auth_cache.invalidate_on_commit(public_id)
    return IssuedApiKey(key=key, secret=secret)


def api_key_create(
    *,
    user: Any,
    name: str,
    permissions: Iterable[str],
    ip_whitelist: Iterable[str],
    totp_code: str,
    actor: Actor,
) -> IssuedApiKey:
    """The user creates a key (inactive) after a valid TOTP code; the result carries the secret, once.

    Input and the key limit are checked before the code is spent. Raises the validation errors,
    `ApiKeyLimitReachedError`, and `totp_require`'s errors (`2fa_required` for a user without 2FA).
    Records `apikey.created` (and `2fa.failed` for a wrong code).
    """
    name = name_normalize(name)
    perms = permissions_normalize(permissions)
    whitelist = whitelist_normalize(ip_whitelist)
    _check_key_limit(user)
    totp_require(user=user, code=totp_code, actor=actor, purpose="apikey_create")
    return api_key_issue(
        user=user,
        name=name,
        permissions=perms,
        ip_whitelist=whitelist,
        active=False,
        actor=actor,
    )


# --- Activation by emailed code ---------------------------------------------------------------------


def _code_hash(code: str, salt: str) -> str:
    digest = salted_hmac("apikeys.activation", f"{salt}:{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def _code_matches(code: str, stored: str) -> bool:
    salt = stored.partition("$")[0]
    return constant_time_compare(_code_hash(code, salt), stored)


def _activation_context(activation_id: int) -> str:
    return f"apikey-activation:{activation_id}"


@transaction.atomic(durable=True)
def api_key_activation_request(*, key: ApiKey, actor: Actor) -> ApiKeyActivation:
    """Email a fresh activation code for an inactive key (earlier codes stop working).

    Locks the key. Raises `ApiKeyAlreadyActiveError`. Stores only the code's HMAC; the email leaves after commit
    through `api_key_activation_email_send_task`, which receives the code encrypted. Records
    `apikey.activation_requested`.
    """
    key = _lock(key)
    if key.is_active:
        raise ApiKeyAlreadyActiveError()
    now = timezone.now()
    _void_open_activations(key, now)
    code = f"{secrets.randbelow(10**ACTIVATION_CODE_DIGITS):0{ACTIVATION_CODE_DIGITS}d}"
    activation = ApiKeyActivation.objects.create(
        key=key,
        code_hash=_code_hash(code, secrets.token_hex(8)),
        expires_at=now + timedelta(seconds=settings.API_KEY_ACTIVATION_CODE_TTL_S),
    )
    record(
        user=key.user,
        action=ActivityType.APIKEY_ACTIVATION_REQUESTED,
        actor=actor.on_key(key.public_id),
        details={"name": key.name, "expires_at": activation.expires_at.isoformat()},
    )
    sealed = crypto.seal_text(code, context=_activation_context(activation.pk))

    def send() -> None:
        from apikeys.tasks import api_key_activation_email_send_task

        api_key_activation_email_send_task.delay(activation.pk, sealed)

    transaction.on_commit(send)
    return activation


def api_key_activation_email_send(*, activation_id: int, sealed_code: str) -> bool:
    """Send the activation email (names the key, never its secret). False, sending nothing, when the challenge
    is gone, used, void, expired or not the one the code was made for, so a retried task is harmless."""
    activation = (
        ApiKeyActivation.objects.select_related("key__user").filter(pk=activation_id).first()
    )
    if activation is None or not activation.is_open or activation.expires_at <= timezone.now():
        return False
    try:
        code = crypto.open_text(sealed_code, context=_activation_context(activation.pk))
    except crypto.DecryptionError:
        code = ""
    if not code or not _code_matches(code, activation.code_hash):
        # A message from another database that reuses this id (a test run, a restored backup): not ours.
        logger.warning("activation %s: the queued code does not match; not sent", activation.pk)
        return False
    key = activation.key
    minutes = max(1, settings.API_KEY_ACTIVATION_CODE_TTL_S // 60)
    send_mail(
        subject=f"Activate your API key \u201c{key.name}\u201d",
        message=(
            f"Someone (hopefully you) asked to activate the API key \u201c{key.name}\u201d "
            f"(key id {key.public_id}).\n\n"
            f"Activation code: {code}\n\n"
            f"The code works once and expires in {minutes} minutes. If you did not ask for this, ignore this "
            "email and consider deleting the key.\n"
        ),
        from_email=None,
        recipient_list=[key.user.email],
    )
    return True


@transaction.atomic(durable=True)
def _activation_attempt(*, key: ApiKey, code: str, actor: Actor) -> DomainError | None:
    # Returns the refusal instead of raising it, so the attempt counter and the activity row commit with it.
    key = _lock(key)
    now = timezone.now()
    activation = key.activations.select_for_update().order_by("-created_at", "-id").first()
    error: DomainError | None = None
    if key.is_active:
        error = ApiKeyAlreadyActiveError()
    elif activation is None or activation.used_at is not None:
        error = ActivationNotRequestedError()
    elif activation.voided_at is not None:
        too_many = activation.attempts >= settings.API_KEY_ACTIVATION_MAX_ATTEMPTS
        error = ActivationCodeVoidError() if too_many else ActivationNotRequestedError()
    elif activation.expires_at <= now:
        activation.voided_at = now
        activation.save(update_fields=["voided_at"])
        error = ActivationCodeExpiredError()
    elif not _code_matches(code, activation.code_hash):
        activation.attempts += 1
        left = max(0, settings.API_KEY_ACTIVATION_MAX_ATTEMPTS - activation.attempts)
        if left == 0:
            activation.voided_at = now
        activation.save(update_fields=["attempts", "voided_at"])
        error = ActivationCodeInvalidError(
            f"The activation code is not valid. {left} tries left."
            if left
            else "The activation code is not valid, and that was the last try. Request a new code.",
            details={"attempts_left": left},
        )
    if error is not None:
        record(
            user=key.user,
            action=ActivityType.APIKEY_CODE_FAILED,
            actor=actor.on_key(key.public_id),
            outcome=Outcome.REFUSED,
            details={"purpose": "activation", "reason": error.code},
        )
        return error
    assert activation is not None  # narrowed by the branches above
    activation.used_at = now
    activation.save(update_fields=["used_at"])
    key.is_active = True
    key.save(update_fields=["is_active", "updated_at"])
    record(
        user=key.user,
        action=ActivityType.APIKEY_ACTIVATED,
        actor=actor.on_key(key.public_id),
        details={"name": key.name},
    )
    auth_cache.invalidate_on_commit(key.public_id)
    return None


def api_key_activation_confirm(*, key: ApiKey, code: str, actor: Actor) -> ApiKey:
    """Activate the key with the emailed code: the latest code only, unexpired, once, within the allowed tries.

    Locks the key and its latest challenge. Raises `ApiKeyAlreadyActiveError`, `ActivationNotRequestedError`
    (none pending, used, or replaced), `ActivationCodeExpiredError`, `ActivationCodeInvalidError` (counts a try;
    the last allowed wrong try voids the challenge) and `ActivationCodeVoidError`. Records `apikey.activated`, or
    `apikey.code_failed` (which stays recorded although the call fails).
    """
    code = "".join((code or "").split())
    error = _activation_attempt(key=key, code=code, actor=actor)
    if error is not None:
        raise error
    return ApiKey.objects.get(pk=key.pk)


# --- Deactivation, edit, deletion -------------------------------------------------------------------


def _deactivate_locked(key: ApiKey, *, actor: Actor, reason: str, by: str = "") -> bool:
    """Deactivate a locked key and void pending codes; True (and `apikey.deactivated` recorded) if it was on."""
    _void_open_activations(key, timezone.now())
    if not key.is_active:
        return False
    key.is_active = False
    key.save(update_fields=["is_active", "updated_at"])
    record(
        user=key.user,
        action=ActivityType.APIKEY_DEACTIVATED,
        actor=actor.on_key(key.public_id),
        details={"name": key.name, "reason": reason, **({"by": by} if by else {})},
    )
    auth_cache.invalidate_on_commit(key.public_id)
    emit(KeyChanged(key.public_id))  # its open sockets are closed
    return True


@transaction.atomic(durable=True)
def api_key_deactivate(*, key: ApiKey, actor: Actor, by: User | None = None) -> ApiKey:
    """Turn a key off at once (pending activation codes stop working too). Idempotent.

    Locks the key. Raises `ApiKeyNotFoundError` if it was deleted meanwhile. Records `apikey.deactivated` when
    the key was active (with `by`, the staff member's e-mail, when the admin deactivates). Reactivation needs a
    new emailed code.
    """
    key = _lock(key)
    _deactivate_locked(key, actor=actor, reason="requested", by=by.email if by else "")
    return key


@transaction.atomic(durable=True)
def api_key_update(
    *,
    key: ApiKey,
    actor: Actor,
    name: str | None = None,
    permissions: Iterable[str] | None = None,
    ip_whitelist: Iterable[str] | None = None,
) -> ApiKey:
    """Change the name, permissions or whitelist (None = leave as is).

    Any real change to permissions or whitelist deactivates the key (and voids pending codes): the user must
    confirm the new powers by email. Locks the key. Raises the validation errors and `ApiKeyNotFoundError`.
    Records `apikey.updated` with each changed field, old and new (and `apikey.deactivated` when it turned the
    key off); records nothing when nothing changed.
    """
    new_name = name_normalize(name) if name is not None else None
    if permissions is not None:
        perms = permissions_normalize(permissions)
        new_perms = held_permissions(perm in perms for perm in PERMISSION_FLAGS)
    else:
        new_perms = None
    new_whitelist = whitelist_normalize(ip_whitelist) if ip_whitelist is not None else None
    key = _lock(key)
    changes: dict[str, dict[str, Any]] = {}
    fields: list[str] = []
    if new_name is not None and new_name != key.name:
        changes["name"] = {"old": key.name, "new": new_name}
        key.name = new_name
        fields.append("name")
    if new_perms is not None and new_perms != key.permissions:
        changes["permissions"] = {"old": key.permissions, "new": new_perms}
        for perm, flag in PERMISSION_FLAGS.items():
            setattr(key, flag, perm in new_perms)
        fields.extend(PERMISSION_FLAGS.values())
    if new_whitelist is not None and new_whitelist != list(key.ip_whitelist):
        changes["ip_whitelist"] = {"old": list(key.ip_whitelist), "new": new_whitelist}
        key.ip_whitelist = new_whitelist
        fields.append("ip_whitelist")
    if not changes:
        return key
    key.save(update_fields=[*fields, "updated_at"])
    powers_changed = "permissions" in changes or "ip_whitelist" in changes
    record(
        user=key.user,
        action=ActivityType.APIKEY_UPDATED,
        actor=actor.on_key(key.public_id),
        details={"changes": changes, "deactivated": powers_changed and key.is_active},
    )
    if powers_changed:
        _deactivate_locked(key, actor=actor, reason="edited")
    auth_cache.invalidate_on_commit(key.public_id)
    emit(KeyChanged(key.public_id))  # its open sockets are closed
    return key


def api_key_delete(*, key: ApiKey, totp_code: str, actor: Actor) -> None:
    """Delete a key after a valid TOTP code; it stops working on the very next request.

    Raises `totp_require`'s errors (the key stays) and `ApiKeyNotFoundError`. Locks the key. Records
    `apikey.deleted` (the row keeps the public id).
    """
    totp_require(user=key.user, code=totp_code, actor=actor, purpose="apikey_delete")
    with transaction.atomic(durable=True):
        key = _lock(key)
        record(
            user=key.user,
            action=ActivityType.APIKEY_DELETED,
            actor=actor.on_key(key.public_id),
            details={"name": key.name, "permissions": key.permissions},
        )
        auth_cache.invalidate_on_commit(key.public_id)
        emit(KeyChanged(key.public_id))  # its open sockets are closed
        key.delete()


# --- Use by the gateway -----------------------------------------------------------------------------


def api_key_touch(*, key_id: int, ip: str | None, now: datetime) -> None:
    """Stamp last use (time and IP) at most once a minute per key: the gateway calls it on every request.

    No lock, no activity row, no cache invalidation (last use is not auth state), and `updated_at` stays as is.
    """
    if not cache.add(f"apikey-touch:{key_id}", 1, timeout=TOUCH_INTERVAL_S):
        return
    ApiKey.objects.filter(pk=key_id).update(last_used_at=now, last_used_ip=ip or None)


# --- Key rotation -----------------------------------------------------------------------------------


def api_key_secrets_reencrypt(*, batch_size: int = 500) -> tuple[int, int]:
    """Re-encrypt every secret not yet under the first configured key; returns (changed, total).

    One short transaction per key (locked), so it can run while the gateway serves; each changed key leaves
    the shared cache after commit, so no process keeps a ciphertext the old key would be needed for. Raises
    `crypto.DecryptionError` for a secret no configured key opens (nothing after it is touched).
    """
    changed = total = 0
    for key_id in (
        ApiKey.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=batch_size)
    ):
        total += 1
        with transaction.atomic(durable=True):
            key = ApiKey.objects.select_for_update().filter(pk=key_id).first()
            if key is None or crypto.is_current(key.secret_encrypted):
                continue
            key.secret_encrypted = crypto.reencrypt(
                key.secret_encrypted, associated_data=key.public_id.encode()
            )
            key.save(update_fields=["secret_encrypted"])
            auth_cache.invalidate_on_commit(key.public_id)
            changed += 1
    return changed, total
