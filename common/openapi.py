"""OpenAPI pieces shared by every frontend endpoint: the error envelope, documented once."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(
                    help_text="Stable machine-readable code, e.g. `invalid`."
                ),
                "message": serializers.CharField(help_text="Human-readable, safe to show."),
                "details": serializers.DictField(help_text="Per-field problems or extra facts."),
            },
        ),
        "request_id": serializers.CharField(help_text="Quote it when reporting a problem."),
    },
)

ERROR_RESPONSES = {
    400: OpenApiResponse(
        ErrorSerializer, description="Invalid input (`invalid`) or a refused action."
    ),
    403: OpenApiResponse(ErrorSerializer, description="Not logged in, or CSRF token missing."),
    429: OpenApiResponse(ErrorSerializer, description="Too many failed attempts; see Retry-After."),
}
