import csv
import json
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.api.serializers import ActivityOutputSerializer
from activities.models import Activity, ActivityType
from activities.selectors import activity_list
from common.api import NewestFirstCursorPagination
from common.openapi import ERROR_RESPONSES

FILTER_PARAMETERS = [
    OpenApiParameter(
        "period",
        str,
        enum=["24h", "7d", "30d", "90d"],
        description="A preset window ending now. Not together with from/to.",
    ),
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="ISO 8601; rows at or after it."),
    OpenApiParameter("to", OpenApiTypes.DATETIME, description="ISO 8601; rows at or before it."),
    OpenApiParameter(
        "action",
        str,
        many=True,
        enum=ActivityType.values,
        description="Action types, repeated or comma-separated.",
    ),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(rows: Iterator[Activity]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(["time", "action", "outcome", "source", "ip", "api_key", "details"])
    for row in rows:
        yield writer.writerow(
            [
                row.created_at.isoformat(),
                row.action,
                row.outcome,
                row.source,
                row.ip or "",
                row.api_key,
                json.dumps(row.details, sort_keys=True),
            ]
        )


class ActivityListApi(APIView):
    pagination_class = NewestFirstCursorPagination

    @extend_schema(
        operation_id="activities_list",
        parameters=FILTER_PARAMETERS,
        responses={200: ActivityOutputSerializer(many=True), **ERROR_RESPONSES},
        summary="My account activities, newest first",
    )
    def get(self, request: Request) -> Response:
        rows = activity_list(user=request.user, filters=request.query_params)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ActivityOutputSerializer(page, many=True).data)


class ActivityExportApi(APIView):
    @extend_schema(
        operation_id="activities_export_csv",
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="CSV (UTF-8), streamed, with a header row."
            ),
            **ERROR_RESPONSES,
        },
        summary="My account activities as CSV (same filters), streamed",
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        rows = activity_list(user=request.user, filters=request.query_params)
        response = StreamingHttpResponse(
            _csv_rows(rows.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="activities.csv"'
        return response
