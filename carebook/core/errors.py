"""Domain errors: each carries a message fit to show a person."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every rule carebook refuses to break; `message` is shown to the user."""

    code = "domain_error"
    default_message = _("That cannot be done.")

    def __init__(self, message: str | None = None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class SlotUnavailable(DomainError):
    code = "slot_unavailable"
    default_message = _("That time is no longer available. Please pick another slot.")


class IllegalTransition(DomainError):
    code = "illegal_transition"
    default_message = _("That change is not allowed for this appointment now.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = _("You are not allowed to do that.")


class InvalidInput(DomainError):
    code = "invalid_input"
    default_message = _("Some of the details are not valid.")


class PaymentRequired(IllegalTransition):
    code = "payment_required"
    default_message = _("This booking is confirmed once it is paid.")


class HoldLimitReached(IllegalTransition):
    code = "hold_limit_reached"
    default_message = _(
        "You are already holding as many slots as the clinic allows. Book or release one first."
    )
