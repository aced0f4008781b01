from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.models import User


class ProfileOutputSerializer(serializers.ModelSerializer):
    country = CountryField(country_dict=False, allow_blank=True)
    two_factor_enabled = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "public_id",
            "email",
            "full_name",
            "country",
            "verification_level",
            "two_factor_enabled",
            "date_joined",
        ]
        read_only_fields = fields

    def get_two_factor_enabled(self, user: User) -> bool:
        from accounts.selectors import totp_status

        return totp_status(user=user).enabled
