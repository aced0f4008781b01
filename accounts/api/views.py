from django.contrib.auth import login, logout, update_session_auth_hash
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from django_countries import countries
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selfservice, services
from accounts.api.serializers import ProfileOutputSerializer, TwoFactorCodeField
from accounts.selectors import totp_status
from activities.actor import Actor
from common.openapi import ERROR_RESPONSES, ErrorSerializer


class CountryCodeField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code, case-insensitive; blank clears it. Alpha-3 and numeric codes are refused."""

    def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 code, e.g. DE; empty to clear.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        code = super().to_internal_value(data).strip().upper()
        if code and (len(code) != 2 or code not in countries):
            raise serializers.ValidationError(
                f"'{code}' is not an ISO 3166-1 alpha-2 country code."
            )
        return code


def optional_code_field() -> serializers.CharField:
    """The second step of login and password change (checked by the service, which knows if 2FA is on)."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Authenticator code, or a recovery code; required when 2FA is enabled.",
    )


class CodeInputSerializer(serializers.Serializer):
    code = TwoFactorCodeField()


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="auth_csrf",
        summary="Get a CSRF token (also set as the csrftoken cookie); send it as X-CSRFToken",
        responses={200: inline_serializer("CsrfToken", {"csrf_token": serializers.CharField()})},
    )
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request)})


# Login is CSRF-protected too (login CSRF); DRF exempts unauthenticated views, so the decorator brings it back.
@method_decorator(csrf_protect, name="dispatch")
class LoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
        code = optional_code_field()

    @extend_schema(
        operation_id="auth_login",
        summary="Log in with email and password (and the 2FA code when enabled); starts a session",
        request=InputSerializer,
        responses={200: ProfileOutputSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_authenticate(
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            code=data.validated_data.get("code"),
            actor=Actor.web(request),
        )
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        selfservice.session_started(request=request._request)
        return Response(ProfileOutputSerializer(user).data)


class LogoutApi(APIView):
    @extend_schema(
        operation_id="auth_logout",
        summary="End the session",
        request=None,
        responses={204: None, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        services.user_logged_out(user=request.user, actor=Actor.web(request))
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileApi(APIView):
    class UpdateInputSerializer(serializers.Serializer):
        full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        country = CountryCodeField(required=False)

    @extend_schema(
        operation_id="profile_get",
        summary="My profile",
        responses={200: ProfileOutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(ProfileOutputSerializer(request.user).data)

    @extend_schema(
        operation_id="profile_update",
        summary="Change my full name or country of residence (locked once verified)",
        request=UpdateInputSerializer,
        responses={200: ProfileOutputSerializer, **ERROR_RESPONSES},
    )
    def patch(self, request: Request) -> Response:
        data = self.UpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.profile_update(
            user=request.user, actor=Actor.web(request), **data.validated_data
        )
        return Response(ProfileOutputSerializer(user).data)


RECOVERY_CODES_FIELD = serializers.ListField(
    child=serializers.CharField(),
    help_text="One-time codes that stand in for an authenticator code; shown only now. Store them offline.",
)

TotpStatusSerializer = inline_serializer(
    "TwoFactorStatus",
    {"enabled": serializers.BooleanField(), "pending_enrolment": serializers.BooleanField()},
)


class TotpStatusApi(APIView):
    @extend_schema(
        operation_id="2fa_status",
        summary="Is 2FA on, or is an enrolment pending?",
        responses={200: TotpStatusSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        state = totp_status(user=request.user)
        return Response({"enabled": state.enabled, "pending_enrolment": state.pending_enrolment})


class TotpEnrolApi(APIView):
    @extend_schema(
        operation_id="2fa_enrol",
        summary="Start 2FA enrolment: an otpauth:// URI and its QR code (SVG) for an authenticator app",
        request=None,
        responses={
            200: inline_serializer(
                "TwoFactorEnrolment",
                {"otpauth_uri": serializers.CharField(), "qr_svg": serializers.CharField()},
            ),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request) -> Response:
        enrolment = services.totp_enrol_start(user=request.user)
        return Response({"otpauth_uri": enrolment.otpauth_uri, "qr_svg": enrolment.qr_svg})


class TotpConfirmApi(APIView):
    @extend_schema(
        operation_id="2fa_confirm",
        summary="Confirm enrolment with a code; turns 2FA on and answers the recovery codes, shown only once",
        request=CodeInputSerializer,
        responses={
            200: inline_serializer(
                "TwoFactorEnabled",
                {
                    "enabled": serializers.BooleanField(),
                    "pending_enrolment": serializers.BooleanField(),
                    "recovery_codes": RECOVERY_CODES_FIELD,
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request) -> Response:
        data = CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = services.totp_enrol_confirm(
            user=request.user, code=data.validated_data["code"], actor=Actor.web(request)
        )
        return Response({"enabled": True, "pending_enrolment": False, "recovery_codes": codes})


class TotpDisableApi(APIView):
    @extend_schema(
        operation_id="2fa_disable",
        summary="Turn 2FA off with a valid code",
        request=CodeInputSerializer,
        responses={200: TotpStatusSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.totp_disable(
            user=request.user, code=data.validated_data["code"], actor=Actor.web(request)
        )
        return Response({"enabled": False, "pending_enrolment": False})


class RecoveryCodesApi(APIView):
    @extend_schema(
        operation_id="2fa_recovery_codes_status",
        summary="How many unused recovery codes I have",
        responses={
            200: inline_serializer("RecoveryCodesLeft", {"left": serializers.IntegerField()}),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"left": services.recovery_codes_left(user=request.user)})

    @extend_schema(
        operation_id="2fa_recovery_codes_regenerate",
        summary="Replace my recovery codes (the old ones stop working); needs a 2FA code",
        request=CodeInputSerializer,
        responses={
            200: inline_serializer("RecoveryCodes", {"recovery_codes": RECOVERY_CODES_FIELD}),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request) -> Response:
        data = CodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = services.recovery_codes_regenerate(
            user=request.user, code=data.validated_data["code"], actor=Actor.web(request)
        )
        return Response({"recovery_codes": codes})


class PasswordChangeApi(APIView):
    class InputSerializer(serializers.Serializer):
        current_password = serializers.CharField(
            trim_whitespace=False, max_length=4096, style={"input_type": "password"}
        )
        new_password = serializers.CharField(
            trim_whitespace=False, max_length=4096, style={"input_type": "password"}
        )
        code = optional_code_field()

    @extend_schema(
        operation_id="auth_password_change",
        summary="Change my password (current password, plus a 2FA code when 2FA is on); ends my other sessions",
        request=InputSerializer,
        responses={204: None, **ERROR_RESPONSES},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = selfservice.password_change(
            user=request.user,
            current_password=data.validated_data["current_password"],
            new_password=data.validated_data["new_password"],
            code=data.validated_data.get("code"),
            actor=Actor.web(request),
            current_session_key=request.session.session_key,
        )
        update_session_auth_hash(request._request, user)  # this session stays logged in
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()
    ip = serializers.IPAddressField()
    user_agent = serializers.CharField()
    is_current = serializers.BooleanField(help_text="The session this request was made with.")


class SessionListApi(APIView):
    @extend_schema(
        operation_id="auth_sessions_list",
        summary="My sessions (logged-in browsers and apps), newest first",
        responses={200: SessionOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        sessions = selfservice.sessions_list(
            user=request.user, current_session_key=request.session.session_key
        )
        return Response(SessionOutputSerializer(sessions, many=True).data)


class SessionEndApi(APIView):
    @extend_schema(
        operation_id="auth_session_end",
        summary="End one of my sessions at once (ending the current one logs this client out)",
        request=None,
        responses={
            204: None,
            404: OpenApiResponse(ErrorSerializer, description="Not one of my sessions."),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        was_current = selfservice.session_end(
            user=request.user,
            session_id=session_id,
            actor=Actor.web(request),
            current_session_key=request.session.session_key,
        )
        if was_current:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionsEndOthersApi(APIView):
    @extend_schema(
        operation_id="auth_sessions_end_others",
        summary="End every session of mine except this one",
        request=None,
        responses={
            200: inline_serializer("SessionsEnded", {"ended": serializers.IntegerField()}),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request) -> Response:
        ended = selfservice.sessions_end_others(
            user=request.user,
            actor=Actor.web(request),
            current_session_key=request.session.session_key,
        )
        return Response({"ended": ended})
