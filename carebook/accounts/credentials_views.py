"""Pages for one's own credentials: change the password, see or extend the session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from carebook.accounts import credentials, sessions


@sensitive_post_parameters()
@never_cache
@login_required
def password_change(request):
    """The current password and a new one twice; every other session and token ends."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = credentials.password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"], request=request
        )
        credentials.session_keep(request, user)
        messages.success(
            request,
            _("Your password is changed. Other devices and API tokens are signed out."),
        )
        return redirect("profile")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request):
    """How long this session has left (GET, which does not count as activity); POST keeps
    it alive, for the "stay signed in" button of static/js/session.js."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"authenticated": False, "login_url": reverse("login")}, status=401)
    if request.method == "POST":
        sessions.session_stamp(request.session, user, fresh=False)
    state = sessions.session_state(request.session, user)
    return JsonResponse(
        {
            "authenticated": True,
            "seconds_left": int(state.left.total_seconds()),
            "idle_seconds": int(sessions.idle_limit(user).total_seconds()),
            "warn_seconds": int(sessions.warn_before().total_seconds()),
            "login_url": reverse("login"),
        }
    )
