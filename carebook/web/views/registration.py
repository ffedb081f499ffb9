"""Sign-up pages: patients and practitioners ask for an account.

Both answer "check your email" whether or not the address already has an account (the mail
tells its owner which), so the page cannot be used to find out who is registered.
"""

from django.shortcuts import redirect, render

from carebook.accounts.forms import PatientRegistrationForm
from carebook.accounts.throttle import RateLimited
from carebook.accounts.views import safe_next_url
from carebook.clinic.forms import PractitionerRegistrationForm
from carebook.clinic.services.registration import patient_sign_up, practitioner_sign_up
from carebook.core.errors import DomainError


def _sign_up(request, form, call, *, done: str, template: str, context=None):
    status = 400 if form.errors else 200
    retry_after = None
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            return redirect(done)
    response = render(request, template, {"form": form, **(context or {})}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def register(request):
    form = PatientRegistrationForm(request.POST or None)
    return _sign_up(
        request,
        form,
        lambda _data: patient_sign_up(**form.sign_up_details(), request=request),
        done="register_done",
        template="accounts/register.html",
        context={"next": safe_next_url(request, "")},
    )


def register_practitioner(request):
    form = PractitionerRegistrationForm(request.POST or None)
    return _sign_up(
        request,
        form,
        lambda data: practitioner_sign_up(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            phone=data["phone"],
            specialties=data["specialties"],
            title=data["title"],
            kind=data["kind"],
            qualifications=data["qualifications"],
            registration_number=data["registration_number"],
            years_experience=data["years_experience"],
            gender=data["gender"],
            request=request,
        ),
        done="register_practitioner_done",
        template="accounts/register_practitioner.html",
    )
