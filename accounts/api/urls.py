from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/csrf/", views.CsrfApi.as_view(), name="auth-csrf"),
    path("auth/login/", views.LoginApi.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("profile/", views.ProfileApi.as_view(), name="profile"),
    path("profile/2fa/", views.TotpStatusApi.as_view(), name="2fa-status"),
    path("profile/2fa/enrol/", views.TotpEnrolApi.as_view(), name="2fa-enrol"),
    path("profile/2fa/confirm/", views.TotpConfirmApi.as_view(), name="2fa-confirm"),
    path("profile/2fa/disable/", views.TotpDisableApi.as_view(), name="2fa-disable"),
]
