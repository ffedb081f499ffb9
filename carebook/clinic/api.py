"""The clinic's part of the directory (specialties and locations) and patient sign-up, both open
to everyone.

Practitioners and their free slots are served by carebook.booking.api (free time is booking's).
Sign-up is the clinic's (its policy says whether a patient waits for approval), published under
/auth beside the token.
"""

from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import ValidationError

from carebook.accounts.forms import PatientRegistrationForm
from carebook.accounts.schemas import SignUpIn, SignUpOut
from carebook.clinic.schemas import LocationOut, SpecialtyOut, location_out
from carebook.clinic.selectors import location_list, specialty_list
from carebook.clinic.services.registration import patient_sign_up
from carebook.core.schemas import ErrorOut, ValidationErrorOut

router = Router(tags=["directory"])
registration = Router(tags=["auth"])

# The web form's field names where the API's differ (one password, not a pair).
FORM_FIELDS = {"password1": "password", "password2": "password"}


@router.get("/specialties", auth=None, response=list[SpecialtyOut], summary="List specialties")
def specialties(request: HttpRequest):
    """Every specialty, by name; use `slug` to filter practitioners."""
    return [
        SpecialtyOut(id=s.pk, name=s.name, slug=s.slug, description=s.description)
        for s in specialty_list()
    ]


@router.get("/locations", auth=None, response=list[LocationOut], summary="List locations")
def locations(request: HttpRequest):
    """The clinic's open locations, each with its IANA time zone."""
    return [location_out(loc) for loc in location_list()]


@registration.post(
    "/register",
    auth=None,
    response={202: SignUpOut, 400: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="Sign up as a patient",
)
def patient_register(request: HttpRequest, payload: SignUpIn):
    """Ask for a patient account, as the website's sign-up form does, with its checks.

    The answer is 202 and the same whether or not the address already has an account: a new
    account's owner gets a mail with a link to confirm the address, an existing one's a note
    saying so. Log in with `POST /auth/token`; booking waits until the address is confirmed (403
    `email_not_verified`), and, where the clinic approves patients, until staff approve the
    account. Too many sign-ups for one address or from one client answer 429 with Retry-After.
    """
    form = PatientRegistrationForm(
        {
            **payload.dict(),
            "date_of_birth": payload.date_of_birth.isoformat(),
            "password1": payload.password,
            "password2": payload.password,
        }
    )
    if not form.is_valid():
        raise ValidationError(
            [
                {
                    "loc": ["body", "payload", FORM_FIELDS.get(name, name)],
                    "msg": " ".join(e.messages),
                    "type": e.code or "invalid",
                }
                for name, errors in form.errors.as_data().items()
                for e in errors
            ]
        )
    data = form.cleaned_data
    patient_sign_up(**form.sign_up_details(), request=request)
    detail = (
        f"Check your email: we sent a message to {data['email']}. Follow the link in it to "
        "confirm the address, then log in."
    )
    return Status(202, SignUpOut(detail=detail, email=data["email"]))
