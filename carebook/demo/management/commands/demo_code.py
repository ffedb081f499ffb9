from django.core.management.base import BaseCommand

from carebook.demo import logins
from carebook.demo.mfa import demo_totp_code


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo staff and practitioner logins."

    def handle(self, *args, **options):
        self.stdout.write(demo_totp_code())
        self.stderr.write(
            f"(for {', '.join(logins.DEMO_TOTP_LOGINS)}; it changes every 30 seconds)"
        )
