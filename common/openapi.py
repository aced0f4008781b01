"""OpenAPI pieces shared by every frontend endpoint: the error envelope, documented once."""

from typing import Literal

from drf_spectacular import openapi
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


class AutoSchema(openapi.AutoSchema):
    """Names nested serializers after their view (`LoginApi.InputSerializer` -> `LoginApiInput`).

    Views keep their `InputSerializer` / `OutputSerializer` nested (HackSoft style); without this every app's
    `InputSerializer` would claim the same component name and overwrite the others in the schema.
    """

    def get_serializer_name(
        self, serializer: serializers.BaseSerializer, direction: Literal["request", "response"]
    ) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname and "<locals>" not in qualname:
            return qualname.replace(".", "")
        return super().get_serializer_name(serializer, direction)
