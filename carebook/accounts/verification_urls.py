"""Email confirmation and the "check your email" pages of sign-up; included under /account/."""

from django.urls import path
from django.views.generic import TemplateView

from carebook.accounts import verification_views

urlpatterns = [
    path("verify/resend/", verification_views.email_verify_resend, name="email_verify_resend"),
    path("verify/<str:token>/", verification_views.email_verify, name="email_verify"),
    path(
        "register/sent/",
        TemplateView.as_view(template_name="accounts/register_done.html"),
        name="register_done",
    ),
    path(
        "register/practitioner/sent/",
        TemplateView.as_view(
            template_name="accounts/register_done.html", extra_context={"practitioner": True}
        ),
        name="register_practitioner_done",
    ),
]
