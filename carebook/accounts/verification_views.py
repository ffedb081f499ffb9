"""Following the confirmation link (the GET shows a button; the POST confirms), asking again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts import verification
from carebook.accounts.throttle import RateLimited
from carebook.accounts.views import home_for, safe_next_url
from carebook.core.errors import DomainError


def email_verify(request, token: str):
    # A GET never writes (and mail scanners that open links must not confirm anything).
    if request.method == "POST":
        try:
            user = verification.email_verify(token=token)
        except DomainError as exc:
            return render(request, "accounts/verify_email.html", {"error": exc.message}, status=400)
        messages.success(
            request,
            _("Welcome, %(name)s. Your email address is confirmed.") % {"name": user.full_name},
        )
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect(home_for(user))
        return redirect("login")
    try:
        user = verification.verification_user(token=token)
    except DomainError as exc:
        return render(request, "accounts/verify_email.html", {"error": exc.message}, status=400)
    return render(request, "accounts/verify_email.html", {"verified": user.email_verified})


@login_required
@require_POST
def email_verify_resend(request):
    try:
        verification.verification_mail_resend(user=request.user, request=request)
    except RateLimited as exc:
        messages.error(request, exc.message)
        response = redirect(safe_next_url(request, "profile"))
        response["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request,
            _("A new confirmation link is on its way to %(email)s.")
            % {"email": request.user.email},
        )
    return redirect(safe_next_url(request, "profile"))
