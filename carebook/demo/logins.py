"""The demo's accounts people sign in with, as `seed_demo` prints them."""

ADMIN_URL = "http://127.0.0.1:8000/admin/"

STAFF_LOGIN = ("staff@carebook.test", "carebook-staff")
DOCTOR_LOGIN = ("doctor@carebook.test", "carebook-doctor")
PATIENT_LOGIN = ("patient@carebook.test", "carebook-patient")
OTHERS_PASSWORD = "carebook-demo"  # every other demo account
# The demo staff and doctor log in with a second factor too: this fixed key, added to any
# authenticator app (or `python manage.py demo_code` prints the current code). Demo only.
DEMO_TOTP_SECRET = "CAREBOOKDEMOTWOFACTORSECRETKEY22"  # base32, as authenticator apps take it
DEMO_TOTP_LOGINS = (STAFF_LOGIN[0], DOCTOR_LOGIN[0])
UK_PATIENT = "nikhil.chopra@carebook.test"
DEMO_DOMAIN = "@carebook.test"


def login_password(email: str) -> str | None:
    """The password of a demo login; None (no usable password yet) for the other accounts."""
    logins = dict([STAFF_LOGIN, DOCTOR_LOGIN, PATIENT_LOGIN])
    return logins.get(email)
