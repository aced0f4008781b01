from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import TwoFactorCodeField
from apikeys.models import ApiKey, Permission
from apikeys.validation import NAME_MAX_LENGTH, whitelist_normalize
from common.errors import DomainError


class IpWhitelistField(serializers.ListField):
    """Validated and normalised by the same rule the services apply; a bad entry is named in the error."""

    child = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault(
            "help_text", "IPv4/IPv6 addresses and CIDR ranges (at most 30); empty = any address."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        try:
            return whitelist_normalize(super().to_internal_value(data))
        except DomainError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None


class PermissionsField(serializers.ListField):
    child = serializers.ChoiceField(choices=Permission.choices)

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("help_text", "Read is always on, whether listed or not.")
        super().__init__(**kwargs)


class NameField(serializers.CharField):
    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        kwargs.setdefault("help_text", "A name to tell your keys apart.")
        super().__init__(**kwargs)


# The same field as every other 2FA check: an authenticator code or a recovery code.
TotpCodeField = TwoFactorCodeField


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    """A key as the owner sees it. There is deliberately no secret here (see ApiKeyCreatedOutputSerializer)."""

    key_id = serializers.CharField(source="public_id", help_text="The public key id (X-AGGR-KEY).")
    status = serializers.ChoiceField(choices=["active", "inactive"])
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=Permission.choices))
    actions = serializers.SerializerMethodField(help_text="What the user can do with the key now.")

    class Meta:
        model = ApiKey
        fields: tuple[str, ...] = (
            "key_id",
            "name",
            "status",
            "permissions",
            "ip_whitelist",
            "created_at",
            "updated_at",
            "last_used_at",
            "last_used_ip",
            "actions",
        )

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=["activate", "deactivate", "edit", "delete"])
        )
    )
    def get_actions(self, key: ApiKey) -> list[str]:
        return ["deactivate" if key.is_active else "activate", "edit", "delete"]


class ApiKeyCreatedOutputSerializer(ApiKeyOutputSerializer):
    secret = serializers.CharField(
        help_text="Shown in this response only, never again: store it now."
    )

    class Meta(ApiKeyOutputSerializer.Meta):
        fields = (*ApiKeyOutputSerializer.Meta.fields, "secret")
