"""API keys for the signed trading API: who owns them, what they may do, from where, and their secret (encrypted)."""

from collections.abc import Iterable

from django.conf import settings
from django.db import models


class Permission(models.TextChoices):
    READ = "read", "Read"
    TRADE = "trade", "Trade"
    FUNDS_INTERNAL = "funds_internal", "Funds Internal"
    FUNDS_WALLET = "funds_wallet", "Funds Wallet"


# Permission -> the model flag that holds it. Read has no flag: it is always on.
PERMISSION_FLAGS: dict[str, str] = {
    Permission.TRADE: "can_trade",
    Permission.FUNDS_INTERNAL: "can_funds_internal",
    Permission.FUNDS_WALLET: "can_funds_wallet",
}


def held_permissions(flags: Iterable[bool]) -> list[str]:
    """Permission values from the flags in `PERMISSION_FLAGS` order, Read first (always held)."""
    return [Permission.READ.value] + [
        str(perm) for perm, held in zip(PERMISSION_FLAGS, flags, strict=True) if held
    ]


class ApiKey(models.Model):
    """One key. The secret is stored only as AES-GCM ciphertext bound to `public_id` (see apikeys/crypto.py).

    Deleting a key deletes the row; activity rows keep its `public_id` as text.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=64)
    public_id = models.CharField(max_length=64, unique=True, editable=False)
    secret_encrypted = models.BinaryField(editable=False)
    can_trade = models.BooleanField(default=False)
    can_funds_internal = models.BooleanField(default=False)
    can_funds_wallet = models.BooleanField(default=False)
    ip_whitelist = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "-created_at"], name="apikey_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def __repr__(self) -> str:
        return f"<ApiKey id={self.pk} public_id={self.public_id!r} active={self.is_active}>"

    @property
    def permissions(self) -> list[str]:
        """Permission values held, in declaration order; always starts with "read"."""
        return held_permissions(getattr(self, flag) for flag in PERMISSION_FLAGS.values())

    @property
    def status(self) -> str:
        return "active" if self.is_active else "inactive"


class ApiKeyActivation(models.Model):
    """An emailed activation code: stored as an HMAC, expires, single use, void after too many wrong tries."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="activations")
    code_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when the challenge can no longer succeed for another reason than use: too many wrong tries, a newer
    # request, a deactivation or an edit.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["key", "-created_at"], name="apikey_activation_key_time")]

    def __str__(self) -> str:
        return f"activation {self.pk} of key {self.key_id}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.voided_at is None
