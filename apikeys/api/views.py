from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.actor import Actor
from apikeys import services
from apikeys.api.serializers import (
    ApiKeyCreatedOutputSerializer,
    ApiKeyOutputSerializer,
    IpWhitelistField,
    NameField,
    PermissionsField,
    TotpCodeField,
)
from apikeys.selectors import api_key_get, api_key_list
from common.openapi import ERROR_RESPONSES, ErrorSerializer

NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such key among yours.")}
TAGS = ["api-keys"]


class ApiKeyListCreateApi(APIView):
    class ApiKeyCreateInputSerializer(serializers.Serializer):
        name = NameField()
        permissions = PermissionsField()
        ip_whitelist = IpWhitelistField(required=False, default=list)
        code = TotpCodeField()

    @extend_schema(
        operation_id="api_keys_list",
        tags=TAGS,
        summary="My API keys, newest first",
        responses={200: ApiKeyOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(ApiKeyOutputSerializer(api_key_list(user=request.user), many=True).data)

    @extend_schema(
        operation_id="api_keys_create",
        tags=TAGS,
        summary="Create a key (inactive) with a 2FA code; the response holds the secret, shown only once",
        description="Without a confirmed authenticator the answer is 403 with code `2fa_required`.",
        request=ApiKeyCreateInputSerializer,
        responses={201: ApiKeyCreatedOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = self.ApiKeyCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.api_key_create(
            user=request.user,
            name=data.validated_data["name"],
            permissions=data.validated_data["permissions"],
            ip_whitelist=data.validated_data["ip_whitelist"],
            totp_code=data.validated_data["code"],
            actor=Actor.web(request),
        )
        body = dict(ApiKeyOutputSerializer(issued.key).data)
        body["secret"] = issued.secret
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class ApiKeyDetailApi(APIView):
    class ApiKeyUpdateInputSerializer(serializers.Serializer):
        name = NameField(required=False)
        permissions = PermissionsField(required=False)
        ip_whitelist = IpWhitelistField(required=False)

    @extend_schema(
        operation_id="api_keys_get",
        tags=TAGS,
        summary="One of my API keys",
        responses={200: ApiKeyOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request: Request, key_id: str) -> Response:
        return Response(
            ApiKeyOutputSerializer(api_key_get(user=request.user, public_id=key_id)).data
        )

    @extend_schema(
        operation_id="api_keys_update",
        tags=TAGS,
        summary="Edit name, permissions or IP whitelist",
        description="Changing permissions or the whitelist deactivates the key; activate it again by email.",
        request=ApiKeyUpdateInputSerializer,
        responses={200: ApiKeyOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def patch(self, request: Request, key_id: str) -> Response:
        key = api_key_get(user=request.user, public_id=key_id)
        data = self.ApiKeyUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = services.api_key_update(key=key, actor=Actor.web(request), **data.validated_data)
        return Response(ApiKeyOutputSerializer(key).data)


class ApiKeyActivationRequestApi(APIView):
    @extend_schema(
        operation_id="api_keys_activation_request",
        tags=TAGS,
        summary="Email me an activation code for this key (valid 10 minutes, earlier codes stop working)",
        request=None,
        responses={202: ApiKeyOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request: Request, key_id: str) -> Response:
        key = api_key_get(user=request.user, public_id=key_id)
        services.api_key_activation_request(key=key, actor=Actor.web(request))
        return Response(ApiKeyOutputSerializer(key).data, status=status.HTTP_202_ACCEPTED)


class ApiKeyActivationConfirmApi(APIView):
    class ApiKeyActivationConfirmInputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=32, help_text="The code from the activation email.")

    @extend_schema(
        operation_id="api_keys_activation_confirm",
        tags=TAGS,
        summary="Activate the key with the emailed code",
        request=ApiKeyActivationConfirmInputSerializer,
        responses={200: ApiKeyOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request: Request, key_id: str) -> Response:
        key = api_key_get(user=request.user, public_id=key_id)
        data = self.ApiKeyActivationConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = services.api_key_activation_confirm(
            key=key, code=data.validated_data["code"], actor=Actor.web(request)
        )
        return Response(ApiKeyOutputSerializer(key).data)


class ApiKeyDeactivateApi(APIView):
    @extend_schema(
        operation_id="api_keys_deactivate",
        tags=TAGS,
        summary="Deactivate the key now",
        request=None,
        responses={200: ApiKeyOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request: Request, key_id: str) -> Response:
        key = api_key_get(user=request.user, public_id=key_id)
        key = services.api_key_deactivate(key=key, actor=Actor.web(request))
        return Response(ApiKeyOutputSerializer(key).data)


class ApiKeyDeleteApi(APIView):
    class ApiKeyDeleteInputSerializer(serializers.Serializer):
        code = TotpCodeField()

    @extend_schema(
        operation_id="api_keys_delete",
        tags=TAGS,
        summary="Delete the key with a 2FA code; it stops working at once",
        request=ApiKeyDeleteInputSerializer,
        responses={204: None, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request: Request, key_id: str) -> Response:
        key = api_key_get(user=request.user, public_id=key_id)
        data = self.ApiKeyDeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.api_key_delete(
            key=key, totp_code=data.validated_data["code"], actor=Actor.web(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
