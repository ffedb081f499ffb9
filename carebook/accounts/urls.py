from django.contrib.auth import views as auth_views
from django.urls import path

from carebook.accounts import mfa_views, phone_claim_views, views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", mfa_views.login_code, name="login_code"),
    path("login/authenticator/", mfa_views.login_enrol, name="login_enrol"),
    path("confirm/", mfa_views.step_up, name="step_up"),
    path("logout/", views.logout_view, name="logout"),
    path("pending/", views.pending, name="pending"),
    path("profile/", views.profile, name="profile"),
    path("security/", mfa_views.security, name="security"),
    path("security/authenticator/", mfa_views.authenticator_setup, name="authenticator_setup"),
    path(
        "security/authenticator/remove/",
        mfa_views.authenticator_remove,
        name="authenticator_remove",
    ),
    path("security/recovery-codes/", mfa_views.recovery_codes_new, name="recovery_codes_new"),
    path("claim/", phone_claim_views.claim_phone, name="claim_phone"),
    path("claim/code/", phone_claim_views.claim_code, name="claim_code"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
