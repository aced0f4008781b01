"""Verification levels and what each one allows.

Levels are ordered: none < basic < verified < advanced. `VERIFICATION_LEVEL_REQUIRED` (settings, one env var per
capability) names the lowest level for each capability; the services that do the thing call `level_require`
(ledger transfers, order placement), so the gateway and the frontend API refuse alike.

KYC hook: an identity provider (Sumsub, Onfido, Veriff, ...) plugs in by calling `verification_level_set` from its
webhook handler or polling task once it has a decision (`actor=Actor.system()`). That service is the one writer of the level besides the
admin's user form (staff); it records `profile.level_changed`.
"""

from django.conf import settings
from django.db import transaction

from accounts.errors import VerificationRequiredError
from accounts.models import User, VerificationLevel
from activities.actor import Actor
from activities.models import ActivityType
from activities.services import record

ORDER = (
    VerificationLevel.NONE,
    VerificationLevel.BASIC,
    VerificationLevel.VERIFIED,
    VerificationLevel.ADVANCED,
)

CAPABILITY_NAMES = {
    "trade": "Trading",
    "transfer_internal": "Transfers between sub-accounts",
    "transfer_wallet": "Wallet transfers",
}


def _rank(level: str) -> int:
    return ORDER.index(VerificationLevel(level))


def level_required(capability: str) -> VerificationLevel:
    return VerificationLevel(settings.VERIFICATION_LEVEL_REQUIRED[capability])


def level_allows(*, level: str, capability: str) -> bool:
    return _rank(level) >= _rank(level_required(capability))


def level_capabilities(*, level: str) -> dict[str, bool]:
    """What `level` may do now, capability by capability (shown on the profile)."""
    return {name: level_allows(level=level, capability=name) for name in CAPABILITY_NAMES}


def level_require(*, user: User, capability: str) -> None:
    """Raise `VerificationRequiredError` (403 `verification_required`) when the user's level is below what
    `capability` needs. Reads the level from `user` as loaded; locks and records nothing."""
    required = level_required(capability)
    if level_allows(level=user.verification_level, capability=capability):
        return
    raise VerificationRequiredError(
        f"{CAPABILITY_NAMES[capability]} needs verification level "
        f"\u201c{required.label}\u201d ({required.value}); yours is "
        f"\u201c{VerificationLevel(user.verification_level).label}\u201d.",
        details={
            "capability": capability,
            "required_level": required.value,
            "current_level": user.verification_level,
        },
    )


@transaction.atomic
def verification_level_set(
    *,
    user: User,
    level: str,
    actor: Actor,
    reason: str = "",
    by: User | None = None,
) -> User:
    """Set the user's level (the KYC hook; see the module docstring). Locks the user row.

    Records `profile.level_changed` (done by `actor`: `Actor.system()` for a provider, `Actor.admin(request)`
    for staff, naming the staff member `by`) with old and new level and a short reason (a provider's case id,
    never documents or personal data); records nothing when the level does not change.
    """
    new = VerificationLevel(level)
    locked = User.objects.select_for_update().get(pk=user.pk)
    old = locked.verification_level
    if old == new:
        return locked
    locked.verification_level = new
    locked.save(update_fields=["verification_level"])
    record(
        user=locked,
        action=ActivityType.LEVEL_CHANGED,
        actor=actor,
        details={
            "old": old,
            "new": new.value,
            "reason": reason,
            **({"by": by.email} if by is not None else {}),
        },
    )
    return locked
