from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.openapi import ERROR_RESPONSES, ErrorSerializer
from conditions.api.serializers import PairOutputSerializer
from conditions.selectors import pair_get, pair_list

# Trading conditions are market information: the protocol serves them publicly (get_pairs_info), so do we.


class TradingConditionsListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="trading_conditions_list",
        summary="Trading conditions of every pair (public)",
        responses={200: PairOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(PairOutputSerializer(pair_list(), many=True).data)


class TradingConditionsDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="trading_conditions_detail",
        summary="Trading conditions of one pair (public)",
        responses={
            200: PairOutputSerializer,
            404: OpenApiResponse(ErrorSerializer, description="Unknown pair (`pair_not_found`)."),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request: Request, symbol: str) -> Response:
        return Response(PairOutputSerializer(pair_get(symbol=symbol)).data)
