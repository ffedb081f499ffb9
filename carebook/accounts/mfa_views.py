"""The second factor on the site: finishing a login with a code or a first authenticator, the
security page (authenticator, recovery codes) and confirming it is you again (step-up)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts import login as logins
from carebook.accounts import mfa
from carebook.accounts.mfa_forms import CodeForm, EnrolForm, StepUpForm
from carebook.accounts.views import home_for, pending_finish, pending_user, safe_next_url
from carebook.core.errors import DomainError

SETUP_KEY = "carebook_mfa_setup_key"  # session key: the authenticator being set up


def _start_over(request):
    messages.info(request, _("That took too long. Please log in again."))
    return redirect("login")


def _setup_context(user, key_hex: str) -> dict:
    uri = mfa.totp_uri(email=user.email, key_hex=key_hex)
    secret = mfa.totp_secret_base32(key_hex)
    return {
        # segno writes plain SVG markup from the URI alone: nothing a user typed.
        "qr_svg": mark_safe(mfa.totp_qr_svg(uri)),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def _codes_page(request, codes: list[str], *, then: str):
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "then": then})


def _attempt(form, call) -> tuple[object, int]:
    """Run `call`; put a refusal on the form. Returns (result or None, status)."""
    try:
        return call(), 200
    except logins.LoginThrottled as exc:
        form.add_error(None, exc.message)
        return None, 429
    except DomainError as exc:
        form.add_error("code", exc.message)
        return None, 400


def login_code(request):
    """Second step of a login: a code from the authenticator app or a recovery code."""
    user, pending = pending_user(request)
    if user is None:
        return _start_over(request)
    if "key" in pending:
        return redirect("login_enrol")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            how, status = _attempt(
                form,
                lambda: logins.second_factor_attempt(
                    request=request, user=user, code=form.cleaned_data["code"]
                ),
            )
            if how is not None:
                target = pending_finish(request, user)
                if how == "recovery":
                    messages.warning(
                        request,
                        _(
                            "You used a recovery code; %(left)s left. If your phone is lost, "
                            "set up a new authenticator on your security page."
                        )
                        % {"left": mfa.recovery_codes_left(user)},
                    )
                return redirect(target)
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


def login_enrol(request):
    """Second step of a first login of staff or a practitioner: set up an authenticator."""
    user, pending = pending_user(request)
    if user is None:
        return _start_over(request)
    if "key" not in pending:
        return redirect("login_code")
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            codes, status = _attempt(
                form,
                lambda: logins.enrol_attempt(
                    request=request,
                    user=user,
                    key_hex=pending["key"],
                    code=form.cleaned_data["code"],
                ),
            )
            if codes is not None:
                return _codes_page(request, codes, then=pending_finish(request, user))
    context = {"form": form, **_setup_context(user, pending["key"])}
    return render(request, "accounts/login_enrol.html", context, status=status)


@login_required
def security(request):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enrolled": mfa.mfa_enrolled(user),
            "mandatory": mfa.mfa_mandatory(user),
            "codes_left": mfa.recovery_codes_left(user),
        },
    )


@mfa.step_up_required
def authenticator_setup(request):
    """Set up (or replace) the authenticator app; a GET only shows what the session holds."""
    user = request.user
    if request.method == "POST" and "start" in request.POST:
        request.session[SETUP_KEY] = mfa.totp_secret_new()
        return redirect("authenticator_setup")
    key = request.session.get(SETUP_KEY)
    form = EnrolForm(request.POST or None) if key else None
    status = 200
    if request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            codes, status = _attempt(
                form,
                lambda: mfa.mfa_enrol(
                    user=user, key_hex=key, code=form.cleaned_data["code"], request=request
                ),
            )
            if codes is not None:
                request.session.pop(SETUP_KEY, None)
                return _codes_page(request, codes, then=reverse("security"))
    context = {"form": form, "enrolled": mfa.mfa_enrolled(user)}
    if key:
        context.update(_setup_context(user, key))
    return render(request, "accounts/authenticator_setup.html", context, status=status)


@require_POST
@mfa.step_up_required
def recovery_codes_new(request):
    try:
        codes = mfa.recovery_codes_regenerate(user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("security")
    return _codes_page(request, codes, then=reverse("security"))


@require_POST
@mfa.step_up_required
def authenticator_remove(request):
    try:
        mfa.mfa_disable(user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("security")


@login_required
def step_up(request):
    """Ask for the password or a code again, then go back where the person was going."""
    form = StepUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                logins.step_up(
                    request=request, user=request.user, secret=form.cleaned_data["secret"]
                )
            except logins.LoginThrottled as exc:
                form.add_error(None, exc.message)
                status = 429
            except DomainError as exc:
                form.add_error("secret", exc.message)
            else:
                return redirect(safe_next_url(request, home_for(request.user)))
    return render(
        request,
        "accounts/step_up.html",
        {"form": form, "next": safe_next_url(request, "")},
        status=status,
    )
