"""The allauth headless endpoints in the project's OpenAPI schema (a drf-spectacular postprocessing hook).

drf-spectacular documents DRF views only; allauth's headless views are plain Django views with their own JSON
envelope, so their operations are written out here, in allauth's shapes (allauth's own specification:
https://docs.allauth.org/en/latest/headless/openapi-specification/), for the four paths mounted in
accounts/api/urls.py.
"""

from typing import Any

TAG = "auth (allauth)"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


COMPONENTS: dict[str, dict[str, Any]] = {
    "AllauthError": {
        "type": "object",
        "description": "allauth's error envelope: one entry per problem, `param` names the field.",
        "required": ["status", "errors"],
        "properties": {
            "status": {"type": "integer", "example": 400},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message", "code"],
                    "properties": {
                        "message": {"type": "string", "example": "This password is too common."},
                        "code": {"type": "string", "example": "password_too_common"},
                        "param": {"type": "string", "example": "password"},
                    },
                },
            },
        },
    },
    "AllauthStatus": {
        "type": "object",
        "description": "A bare allauth answer (e.g. 403 sign-up closed, 409 not allowed now, 429 rate limited).",
        "required": ["status"],
        "properties": {"status": {"type": "integer", "example": 403}},
    },
    "AllauthNotAuthenticated": {
        "type": "object",
        "description": (
            "Done, and not logged in: sign-up, e-mail verification and password reset never start a session "
            "(log in with POST /api/v1/auth/login/). `flows` lists what the client may do next; `verify_email` "
            "with `is_pending` means a confirmation link was mailed."
        ),
        "required": ["status", "data", "meta"],
        "properties": {
            "status": {"type": "integer", "example": 401},
            "data": {
                "type": "object",
                "properties": {
                    "flows": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id"],
                            "properties": {
                                "id": {
                                    "type": "string",
                                    "enum": ["login", "signup", "verify_email"],
                                },
                                "is_pending": {"type": "boolean"},
                            },
                        },
                    }
                },
            },
            "meta": {
                "type": "object",
                "properties": {"is_authenticated": {"type": "boolean", "example": False}},
            },
        },
    },
    "AllauthOk": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "integer", "example": 200}},
    },
    "AllauthSignupRequest": {
        "type": "object",
        "required": ["email", "password", "full_name", "country"],
        "properties": {
            "email": _string("Login e-mail (case-insensitive).", format="email"),
            "password": _string("Checked by Django's password validators.", format="password"),
            "full_name": _string("Full legal name.", maxLength=150),
            "country": _string("Country of residence, ISO 3166-1 alpha-2.", example="DE"),
        },
    },
    "AllauthVerifyEmailRequest": {
        "type": "object",
        "required": ["key"],
        "properties": {"key": _string("The key from the confirmation link (URL-decoded).")},
    },
    "AllauthPasswordResetRequestRequest": {
        "type": "object",
        "required": ["email"],
        "properties": {"email": _string("The account's e-mail.", format="email")},
    },
    "AllauthPasswordResetRequest": {
        "type": "object",
        "required": ["key", "password"],
        "properties": {
            "key": _string("The key from the reset link (URL-decoded); works once, expires."),
            "password": _string("The new password (Django's validators).", format="password"),
        },
    },
}

ERROR_400 = _json(_ref("AllauthError"), "Invalid input; `errors[].param` names the field.")
LIMITED = _json(_ref("AllauthStatus"), "Rate limited (per client IP, and per address).")


def _operation(
    operation_id: str, summary: str, request: str | None, responses: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [TAG],
        "security": [{"cookieAuth": []}, {}],
        "responses": responses,
    }
    if request:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        }
    return operation


PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/auth/signup": {
        "post": _operation(
            "auth_signup",
            "Sign up (closed when SIGNUP_OPEN is off); mails a confirmation link. An address already in use "
            "gets the very same answer (its owner is told by e-mail).",
            "AllauthSignupRequest",
            {
                "401": _json(
                    _ref("AllauthNotAuthenticated"), "Signed up; e-mail verification pending."
                ),
                "400": ERROR_400,
                "403": _json(_ref("AllauthStatus"), "Sign-up is closed, or CSRF token missing."),
                "409": _json(_ref("AllauthStatus"), "Already logged in."),
                "429": LIMITED,
            },
        )
    },
    "/api/v1/auth/email/verify": {
        "post": _operation(
            "auth_email_verify",
            "Confirm the e-mail address with the key from the link (does not log in)",
            "AllauthVerifyEmailRequest",
            {
                "401": _json(_ref("AllauthNotAuthenticated"), "Confirmed; now log in."),
                "200": _json(_ref("AllauthOk"), "Confirmed (the caller was logged in already)."),
                "400": ERROR_400,
                "429": LIMITED,
            },
        )
    },
    "/api/v1/auth/password/request": {
        "post": _operation(
            "auth_password_reset_request",
            "E-mail a password reset link; the same answer for unknown addresses",
            "AllauthPasswordResetRequestRequest",
            {"200": _json(_ref("AllauthOk"), "Requested."), "400": ERROR_400, "429": LIMITED},
        )
    },
    "/api/v1/auth/password/reset": {
        "post": _operation(
            "auth_password_reset",
            "Set a new password with the key from the reset link; ends every session of the user",
            "AllauthPasswordResetRequest",
            {
                "401": _json(_ref("AllauthNotAuthenticated"), "Password set; now log in."),
                "400": ERROR_400,
                "429": LIMITED,
            },
        )
    },
}


def add_allauth_paths(
    result: dict[str, Any], generator: Any, request: Any, public: Any
) -> dict[str, Any]:
    result.setdefault("paths", {}).update(PATHS)
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    return result
