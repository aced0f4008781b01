from rest_framework import serializers

from activities.models import Activity


class ActivityOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "created_at", "action", "outcome", "source", "ip", "api_key", "details"]
        read_only_fields = fields
