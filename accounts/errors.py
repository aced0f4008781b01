from common.errors import DomainError


class InvalidCredentialsError(DomainError):
    code = "invalid_credentials"
    default_message = "Email or password is incorrect."


class TwoFactorRequiredError(DomainError):
    """The user has no confirmed authenticator; the frontend sends them to set one up."""

    code = "2fa_required"
    default_message = (
        "Two-factor authentication is required for this action. "
        "Set up an authenticator app in your profile first."
    )


class InvalidTotpCodeError(DomainError):
    code = "invalid_2fa_code"
    default_message = "The authentication code is not valid."


class TwoFactorAlreadyEnabledError(DomainError):
    code = "2fa_already_enabled"
    default_message = "Two-factor authentication is already enabled."


class TwoFactorEnrolmentMissingError(DomainError):
    code = "2fa_enrolment_missing"
    default_message = "Start two-factor enrolment first."


class ProfileLockedError(DomainError):
    code = "profile_locked"
    default_message = "Verified identity fields can only be changed through support."


class UserExistsError(DomainError):
    code = "user_exists"
    default_message = "A user with this email already exists."


class EmailNotVerifiedError(DomainError):
    """The password is right but the address was never confirmed (a fresh link is mailed when allowed)."""

    code = "email_unverified"
    default_message = (
        "Confirm your e-mail address first: follow the link in the e-mail we sent you."
    )


class WrongPasswordError(DomainError):
    code = "invalid_password"
    default_message = "The current password is not correct."


class PasswordRejectedError(DomainError):
    """The new password fails Django's password validators; `details.new_password` lists why."""

    code = "invalid"
    default_message = "The new password is not acceptable."


class SessionNotFoundError(DomainError):
    code = "session_not_found"
    default_message = "No such session."


class VerificationRequiredError(DomainError):
    """The account's verification level is below what the action needs; `details` names both levels."""

    code = "verification_required"
    default_message = "Your verification level does not allow this."
