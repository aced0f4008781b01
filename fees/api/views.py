from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.openapi import ERROR_RESPONSES
from fees.api.serializers import FeeOverviewOutputSerializer
from fees.selectors import FeeOverview, fee_overview


def _overview_data(overview: FeeOverview) -> dict[str, Any]:
    compiled = overview.compiled
    return {
        "at": overview.at,
        "period": "30d",
        "currency": "USD",
        "volume_30d": overview.volume_30d,
        "current": overview.current,
        "pairs": overview.per_pair,
        "schedules": [
            {
                "name": schedule.name,
                "description": schedule.description,
                "pair_group": compiled.groups.get(schedule.group_id) if schedule.group_id else None,
                "weekdays": list(schedule.weekdays),
                "applies_now": schedule.id in overview.active_schedule_ids,
                "tiers": schedule.tiers,
            }
            for schedule in overview.schedules
        ],
    }


class FeeOverviewApi(APIView):
    @extend_schema(
        operation_id="fees_overview",
        summary="The fee schedule, my 30-day volume, my tier and rates now, and what the next tier needs",
        responses={200: FeeOverviewOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        overview = fee_overview(user=request.user)
        return Response(FeeOverviewOutputSerializer(_overview_data(overview)).data)
