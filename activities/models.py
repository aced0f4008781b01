from django.conf import settings
from django.db import models


class ActivityType(models.TextChoices):
    """Every kind of account activity, in one enum. Codes are dotted: `<area>.<event>`."""

    # accounts
    LOGIN = "auth.login", "Logged in"
    LOGIN_FAILED = "auth.login_failed", "Login failed"
    LOGIN_LOCKED = "auth.login_locked", "Login refused: too many failures"
    LOGOUT = "auth.logout", "Logged out"
    TWO_FACTOR_ENABLED = "2fa.enabled", "2FA enabled"
    TWO_FACTOR_DISABLED = "2fa.disabled", "2FA disabled"
    TWO_FACTOR_FAILED = "2fa.failed", "2FA code rejected"
    PROFILE_UPDATED = "profile.updated", "Profile changed"
    LEVEL_CHANGED = "profile.level_changed", "Verification level changed"
    SIGNED_UP = "auth.signed_up", "Signed up"
    EMAIL_VERIFIED = "auth.email_verified", "E-mail address verified"
    PASSWORD_RESET_REQUESTED = "auth.password_reset_requested", "Password reset requested"
    PASSWORD_RESET = "auth.password_reset", "Password reset"
    PASSWORD_CHANGED = "auth.password_changed", "Password changed"
    SESSION_ENDED = "auth.session_ended", "Session ended"
    RECOVERY_CODES_GENERATED = "2fa.recovery_codes_generated", "2FA recovery codes generated"
    RECOVERY_CODE_USED = "2fa.recovery_code_used", "2FA recovery code used"
    # API keys
    APIKEY_CREATED = "apikey.created", "API key created"
    APIKEY_ACTIVATION_REQUESTED = "apikey.activation_requested", "API key activation requested"
    APIKEY_ACTIVATED = "apikey.activated", "API key activated"
    APIKEY_DEACTIVATED = "apikey.deactivated", "API key deactivated"
    APIKEY_UPDATED = "apikey.updated", "API key edited"
    APIKEY_DELETED = "apikey.deleted", "API key deleted"
    APIKEY_CODE_FAILED = "apikey.code_failed", "API key confirmation code rejected"
    # trading conditions (rows written for the staff member who changed them)
    PAIR_CHANGED = "conditions.pair_changed", "Trading conditions changed"
    FEE_SCHEDULE_CHANGED = "fees.schedule_changed", "Fee schedule changed"
    # signed gateway calls that change nothing (reads) and refused calls
    GATEWAY_CALL = "gateway.call", "Trading API call"
    GATEWAY_REFUSED = "gateway.refused", "Trading API call refused"
    # ledger
    ACCOUNT_CREATED = "account.created", "Sub-account created"
    TRANSFER_INTERNAL = "transfer.internal", "Transfer between sub-accounts"
    TRANSFER_FROM_WALLET = "transfer.from_wallet", "Deposit from wallet"
    TRANSFER_TO_WALLET = "transfer.to_wallet", "Withdrawal to wallet"
    WALLET_CREDITED = "wallet.credited", "Wallet credited"
    DEPOSIT_ADDRESS_ISSUED = "deposit_address.issued", "Deposit address issued"
    # trading
    ORDER_PLACED = "order.placed", "Order placed"
    ORDER_REJECTED = "order.rejected", "Order rejected"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_FILLED = "order.filled", "Order filled"
    ORDER_EXPIRED = "order.expired", "Order expired"


class Outcome(models.TextChoices):
    OK = "ok", "Succeeded"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


class Source(models.TextChoices):
    WEB = "web", "Web (frontend API)"
    GATEWAY = "gateway", "Trading API"
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator (command line)"
    SYSTEM = "system", "System"


class Activity(models.Model):
    """One thing that happened to an account. Append-only: written by `activities.services.record` alone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities"
    )
    created_at = models.DateTimeField()
    action = models.CharField(max_length=40, choices=ActivityType.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The key's public id, not a foreign key: the row must outlive the key it names.
    api_key = models.CharField(max_length=64, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        # The listing is always "this user's rows, newest first", optionally narrowed by type: both indexes
        # serve the cursor (created_at, id) without a sort, whatever the table's size.
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="activity_user_time"),
            models.Index(
                fields=["user", "action", "-created_at", "-id"], name="activity_user_action_time"
            ),
            models.Index(fields=["ip", "-created_at"], name="activity_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by user {self.user_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
