from allauth.headless.account import views as allauth_views
from allauth.headless.constants import Client
from django.urls import path

from accounts.api import views

# allauth's headless views for the flows it runs (its paths, no trailing slash, its JSON envelope). Its login,
# session and password-change views are deliberately not mounted: one login door (auth/login/), and password
# change needs the TOTP step (auth/password/change/).
BROWSER = Client.BROWSER
allauth_patterns = [
    path("auth/signup", allauth_views.SignupView.as_api_view(client=BROWSER), name="signup"),
    path(
        "auth/email/verify",
        allauth_views.VerifyEmailView.as_api_view(client=BROWSER),
        name="verify-email",
    ),
    path(
        "auth/password/request",
        allauth_views.RequestPasswordResetView.as_api_view(client=BROWSER),
        name="password-reset-request",
    ),
    path(
        "auth/password/reset",
        allauth_views.ResetPasswordView.as_api_view(client=BROWSER),
        name="password-reset",
    ),
]

urlpatterns = [
    *allauth_patterns,
    path("auth/csrf/", views.CsrfApi.as_view(), name="auth-csrf"),
    path("auth/login/", views.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password/change/", views.PasswordChangeApi.as_view(), name="password-change"),
    path("auth/sessions/", views.SessionListApi.as_view(), name="sessions"),
    path(
        "auth/sessions/end-others/",
        views.SessionsEndOthersApi.as_view(),
        name="sessions-end-others",
    ),
    path("auth/sessions/<int:session_id>/end/", views.SessionEndApi.as_view(), name="session-end"),
    path("profile/", views.ProfileApi.as_view(), name="profile"),
    path("profile/2fa/", views.TotpStatusApi.as_view(), name="2fa-status"),
    path("profile/2fa/enrol/", views.TotpEnrolApi.as_view(), name="2fa-enrol"),
    path("profile/2fa/confirm/", views.TotpConfirmApi.as_view(), name="2fa-confirm"),
    path("profile/2fa/disable/", views.TotpDisableApi.as_view(), name="2fa-disable"),
    path(
        "profile/2fa/recovery-codes/", views.RecoveryCodesApi.as_view(), name="2fa-recovery-codes"
    ),
]
