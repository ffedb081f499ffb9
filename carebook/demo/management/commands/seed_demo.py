from django.core.management.base import BaseCommand

from carebook.demo import logins
from carebook.demo.billing import seed_billing
from carebook.demo.mfa import demo_totp_uri
from carebook.demo.records import seed_records
from carebook.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo clinic: practitioners, patients, appointments and three logins."

    def handle(self, *args, **options):
        summary = seed_demo()
        if summary.created or summary.appointments_created:
            made = ", ".join(f"{count} {what}" for what, count in summary.created.items())
            if summary.appointments_created:
                made = f"{made}, {summary.appointments_created} appointments".lstrip(", ")
            self.stdout.write(self.style.SUCCESS(f"Demo clinic created: {made}."))
        else:
            self.stdout.write("Demo clinic already present; nothing changed.")
        self.stdout.write("")
        for role, (email, password) in (
            ("staff", logins.STAFF_LOGIN),
            ("practitioner", logins.DOCTOR_LOGIN),
            ("patient", logins.PATIENT_LOGIN),
        ):
            self.stdout.write(f"  {role:<13} {email:<24} {password}")
        self.stdout.write(f"  (other demo accounts use the password {logins.OTHERS_PASSWORD})")
        self.stdout.write("")
        self.stdout.write(
            f"Two-factor code for staff and practitioner: add the key {logins.DEMO_TOTP_SECRET}"
        )
        self.stdout.write(
            "  to an authenticator app, or run `python manage.py demo_code` for the current code."
        )
        for email in logins.DEMO_TOTP_LOGINS:
            self.stdout.write(f"  {demo_totp_uri(email)}")
        self.stdout.write("")
        self.stdout.write(f"Admin: {logins.ADMIN_URL}")
        seed_billing()
        seed_records()
