"""The door of `phone_claim`: "Claim your account" in two steps, with or without htmx."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from carebook.accounts import phone_claim, throttle
from carebook.accounts.identity import phone_display
from carebook.accounts.phone_claim_forms import ClaimCodeForm, ClaimPhoneForm
from carebook.accounts.views import home_for
from carebook.core.errors import DomainError

PHONE = "carebook_claim_phone"  # session key: the number a code was asked for


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _answer(request, page: str, form_part: str, context: dict, *, status: int):
    """The page; to htmx, just the form (with 200, so htmx swaps the errors in)."""
    if _htmx(request) and request.method == "POST":
        return render(request, form_part, context)
    return render(request, page, context, status=status)


def _go(request, url: str):
    if _htmx(request):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def claim_phone(request):
    """Step one: the number; a code is texted if it is an unclaimed account's."""
    form = ClaimPhoneForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                phone = phone_claim.claim_code_request(
                    phone=form.cleaned_data["phone"], request=request
                )
            except throttle.RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except DomainError as exc:
                form.add_error("phone", exc.message)
            else:
                request.session[PHONE] = phone
                return _go(request, reverse("claim_code"))
    return _answer(
        request,
        "accounts/claim_phone.html",
        "accounts/_claim_phone_form.html",
        {"form": form},
        status=status,
    )


def claim_code(request):
    """Step two: the code from the SMS and a password (an email if they like); then in."""
    phone = request.session.get(PHONE)
    if not phone:
        return redirect("claim_phone")
    form = ClaimCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = phone_claim.phone_claim_complete(
                    phone=phone,
                    code=data["code"],
                    password=data["password1"],
                    email=data["email"],
                    request=request,
                )
            except throttle.RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except phone_claim.ClaimCodeInvalid as exc:
                form.add_error("code", exc.message)
            except DomainError as exc:
                form.add_error("email", exc.message)
            except ValidationError as exc:
                form.add_error("password1", exc)
            else:
                request.session.pop(PHONE, None)
                login(request, user)
                messages.success(request, _claimed_message(user))
                return _go(request, str(home_for(user)))
    context = {"form": form, "phone": phone, "phone_shown": phone_display(phone)}
    return _answer(
        request,
        "accounts/claim_code.html",
        "accounts/_claim_code_form.html",
        context,
        status=status,
    )


def _claimed_message(user) -> str:
    if user.has_mailbox and user.email_verified_at is None:
        return _(
            "Your account is ready. We sent a link to %(email)s: follow it to confirm the "
            "address. Next time, log in with your phone number or that email."
        ) % {"email": user.email}
    return _("Your account is ready. Next time, log in with your phone number and password.")
