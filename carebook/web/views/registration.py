"""Sign-up pages: patients and practitioners create their accounts."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from carebook.accounts.forms import PatientRegistrationForm
from carebook.accounts.models import User
from carebook.accounts.views import safe_next_url
from carebook.clinic import services
from carebook.clinic.forms import PractitionerRegistrationForm


def register(request):
    form = PatientRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.patient_register(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            gender=data["gender"],
            blood_group=data["blood_group"],
            address=data["address"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user.state == User.State.PENDING:
            return redirect("pending")
        messages.success(
            request, _("Welcome, %(name)s. You can book now.") % {"name": user.full_name}
        )
        return redirect(safe_next_url(request, reverse_lazy("directory")))
    return render(
        request,
        "accounts/register.html",
        {"form": form, "next": safe_next_url(request, "")},
        status=400 if form.errors else 200,
    )


def register_practitioner(request):
    form = PractitionerRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = services.practitioner_register(
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
        )
        login(request, practitioner.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("pending")
    return render(
        request,
        "accounts/register_practitioner.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
