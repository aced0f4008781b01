from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User


class TwoFactorCodeField(serializers.RegexField):
    """A second-factor code: 6 digits from the authenticator app, or a recovery code (`abcde-fghjk`)."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault(
            "help_text",
            "The 6-digit code from your authenticator app, or one of your recovery codes.",
        )
        super().__init__(r"^\s*(?:[0-9]{6,8}|[A-Za-z0-9]{5}-?[A-Za-z0-9]{5})\s*$", **kwargs)


class ProfileOutputSerializer(serializers.ModelSerializer):
    country = CountryField(country_dict=False, allow_blank=True)
    two_factor_enabled = serializers.SerializerMethodField()
    recovery_codes_left = serializers.SerializerMethodField(
        help_text="Unused 2FA recovery codes (0 without 2FA)."
    )
    email_verified = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField(
        help_text="What the verification level allows now: trade, transfer_internal, transfer_wallet."
    )

    class Meta:
        model = User
        fields = [
            "public_id",
            "email",
            "full_name",
            "country",
            "verification_level",
            "two_factor_enabled",
            "recovery_codes_left",
            "email_verified",
            "allowed",
            "date_joined",
        ]
        read_only_fields = fields

    def get_two_factor_enabled(self, user: User) -> bool:
        from accounts.selectors import totp_status

        return totp_status(user=user).enabled

    def get_recovery_codes_left(self, user: User) -> int:
        from accounts.services import recovery_codes_left

        return recovery_codes_left(user=user)

    def get_email_verified(self, user: User) -> bool:
        from accounts.selfservice import email_is_verified

        return email_is_verified(user=user)

    @extend_schema_field(
        serializers.DictField(child=serializers.BooleanField(), help_text="capability -> allowed")
    )
    def get_allowed(self, user: User) -> dict[str, bool]:
        from accounts.levels import level_capabilities

        return level_capabilities(level=user.verification_level)
