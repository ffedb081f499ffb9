"""One's own API tokens and calendar feed, with a revoke button each, and "sign out everywhere"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts import credentials
from carebook.accounts.tokens import token_revoke, tokens_live_for
from carebook.notifications import selectors as notification_selectors
from carebook.notifications import services as notification_services


@login_required
def credentials_list(request):
    user = request.user
    return render(
        request,
        "web/credentials.html",
        {
            "tokens": tokens_live_for(user=user),
            "feed": notification_selectors.calendar_token_live(user=user),
        },
    )


@require_POST
@login_required
def api_token_revoke(request, pk: int):
    token = get_object_or_404(tokens_live_for(user=request.user), pk=pk)
    token_revoke(token=token, request=request)
    messages.success(request, _("The API token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("credentials")


@require_POST
@login_required
def calendar_feed_revoke(request):
    notification_services.calendar_token_revoke(user=request.user, request=request)
    messages.success(request, _("Your calendar feed is turned off."))
    return redirect("credentials")


@require_POST
@login_required
def sign_out_everywhere(request):
    user = credentials.credentials_revoke(
        user=request.user, by=request.user, reason="signed out everywhere", request=request
    )
    credentials.session_keep(request, user)
    messages.success(
        request,
        _("Every other session is signed out; your API tokens and calendar feed are revoked."),
    )
    return redirect("credentials")
