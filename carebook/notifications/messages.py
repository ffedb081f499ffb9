"""What to tell whom about an appointment event or reminder, rendered for each channel."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.video import video_link
from carebook.clinic.models import Clinic, VisitMode
from carebook.notifications import conf, ics, sms
from carebook.notifications.models import Delivery, NotificationPreference, Reminder

S = Appointment.Status
EMAIL, SMS, IN_APP = Delivery.Channel.EMAIL, Delivery.Channel.SMS, Delivery.Channel.IN_APP

# History actions that tell someone something. "held", "hold_expired" (a few minutes' API hold)
# and "reschedule" (the old half of a move; the new appointment's "rescheduled" tells it) do not.
NOTIFIED_ACTIONS = frozenset(
    {"booked", "rescheduled", "confirm", "reject", "cancel", "complete", "no_show", "expired"}
)


def _subjects() -> dict[str, str]:
    return {
        "requested": _("Request received: %(practitioner)s, %(short)s"),
        "confirmed": _("Confirmed: %(practitioner)s, %(short)s"),
        "rescheduled": _("Moved: %(practitioner)s, now %(short)s"),
        "rejected": _("Not accepted: %(practitioner)s, %(short)s"),
        "cancelled": _("Cancelled: %(practitioner)s, %(short)s"),
        "completed": _("Thank you for your visit to %(practitioner)s"),
        "no_show": _("We missed you: %(practitioner)s, %(short)s"),
        "expired": _("Request expired: %(practitioner)s, %(short)s"),
        "reminder": _("Reminder: %(practitioner)s, %(short)s"),
        "practitioner_requested": _("New request: %(patient)s, %(short)s"),
        "practitioner_booked": _("New booking: %(patient)s, %(short)s"),
        "practitioner_rescheduled": _("Moved: %(patient)s, now %(short)s"),
        "practitioner_cancelled": _("Cancelled: %(patient)s, %(short)s"),
    }


def _headlines() -> dict[str, str]:
    """One line per kind: the in-app notification and the start of an SMS."""
    return {
        "requested": _("Your request to see %(practitioner)s on %(short)s was sent."),
        "confirmed": _("Your appointment with %(practitioner)s on %(short)s is confirmed."),
        "rescheduled": _("Your appointment with %(practitioner)s moved to %(short)s."),
        "rejected": _("%(practitioner)s could not accept your request for %(short)s."),
        "cancelled": _(
            "Your appointment with %(practitioner)s on %(short)s was cancelled by %(by)s."
        ),
        "completed": _("Thank you for visiting %(practitioner)s. Tell us how it went."),
        "no_show": _("You missed your appointment with %(practitioner)s on %(short)s."),
        "expired": _(
            "Your request to see %(practitioner)s on %(short)s was not answered in time, so it "
            "has expired and the time is free again. Please choose another time."
        ),
        "reminder": _("Reminder: %(service)s with %(practitioner)s, %(short)s."),
        "practitioner_requested": _("New request from %(patient)s for %(short)s."),
        "practitioner_booked": _("New booking: %(patient)s on %(short)s."),
        "practitioner_rescheduled": _("%(patient)s's appointment moved to %(short)s."),
        "practitioner_cancelled": _(
            "%(patient)s's appointment on %(short)s was cancelled by %(by)s."
        ),
    }


@dataclass
class Outgoing:
    """One message for one person on one channel, ready to record as a Delivery."""

    recipient: User
    channel: str
    to: str
    body: str
    subject: str = ""
    html: str = ""
    ics: str = ""
    ics_method: str = ""
    link: str = ""


@dataclass
class _Plan:
    recipient: User
    kind: str
    channels: tuple[str, ...]
    ics_method: str = ""


def _local(appointment: Appointment, value):
    return value.astimezone(appointment.location.tz)


def _when(appointment: Appointment) -> str:
    start, end = _local(appointment, appointment.start), _local(appointment, appointment.end)
    return f"{dateformat.format(start, 'l j F Y, H:i')}–{dateformat.format(end, 'H:i')}"


def _short(appointment: Appointment) -> str:
    local = _local(appointment, appointment.start)
    return f"{dateformat.format(local, 'D j M, H:i')} {local.tzname()}"


def _actor(by: User | None, *, recipient: User, appointment: Appointment, clinic: Clinic) -> str:
    if by is None:
        return _("the clinic")
    if by.pk == recipient.pk:
        return _("you")
    if by.pk == appointment.practitioner.user_id:
        return appointment.practitioner.display_name
    if by.pk == appointment.patient_id:
        return appointment.patient.full_name
    if by.is_staff:
        return _("%(clinic)s staff") % {"clinic": clinic.name}
    return by.full_name


def _preferences(users: list[User]) -> dict[int, NotificationPreference]:
    rows = NotificationPreference.objects.filter(user__in=users)
    found = {row.user_id: row for row in rows}
    return {u.pk: found.get(u.pk) or NotificationPreference(user=u) for u in users}


def _event_plans(history: AppointmentHistory) -> list[_Plan]:
    a = history.appointment
    patient, doctor = a.patient, a.practitioner.user
    by_patient = history.by_id == patient.pk
    by_doctor = history.by_id == doctor.pk
    action = history.action
    # The patient's calendar holds the event once a confirmation or a move sent an invite.
    invite_out = history.from_status == S.CONFIRMED or a.rescheduled_from_id is not None
    plans: list[_Plan] = []
    if action in ("booked", "rescheduled"):
        confirmed = history.to_status == S.CONFIRMED
        if action == "rescheduled":
            kinds = ("rescheduled", "practitioner_rescheduled")
        elif confirmed:
            kinds = ("confirmed", "practitioner_booked")
        else:
            kinds = ("requested", "practitioner_requested")
        channels = [EMAIL]
        if confirmed or action == "rescheduled":
            channels.append(SMS)
        if not by_patient:
            channels.append(IN_APP)
        method = "REQUEST" if confirmed or action == "rescheduled" else ""
        plans.append(_Plan(patient, kinds[0], tuple(channels), method))
        if not by_doctor:
            plans.append(_Plan(doctor, kinds[1], (EMAIL, IN_APP)))
    elif action == "confirm":
        plans.append(_Plan(patient, "confirmed", (EMAIL, SMS, IN_APP), "REQUEST"))
    elif action == "reject":
        plans.append(
            _Plan(patient, "rejected", (EMAIL, SMS, IN_APP), "CANCEL" if invite_out else "")
        )
    elif action == "cancel":
        channels = (EMAIL,) if by_patient else (EMAIL, SMS, IN_APP)
        plans.append(_Plan(patient, "cancelled", channels, "CANCEL" if invite_out else ""))
        if not by_doctor:
            plans.append(_Plan(doctor, "practitioner_cancelled", (EMAIL, IN_APP)))
    elif action == "complete":
        plans.append(_Plan(patient, "completed", (EMAIL, IN_APP)))
    elif action == "no_show":
        plans.append(_Plan(patient, "no_show", (EMAIL, IN_APP)))
    elif action == "expired":
        plans.append(_Plan(patient, "expired", (EMAIL, SMS, IN_APP)))
    return plans


def _context(
    *,
    appointment: Appointment,
    recipient: User,
    kind: str,
    clinic: Clinic,
    history: AppointmentHistory | None = None,
) -> dict:
    a = appointment
    link = conf.absolute(reverse("appointment", args=[a.pk]))
    previous = a.rescheduled_from if kind.endswith("rescheduled") else None
    return {
        "kind": kind,
        "kind_template": f"notifications/email/{kind}.txt",
        "recipient": recipient,
        "clinic": clinic,
        "a": a,
        "when": _when(a),
        "short": _short(a),
        "previous_when": _when(previous) if previous else "",
        "time_zone": a.location.time_zone,
        "practitioner": a.practitioner.display_name,
        "patient": a.patient.full_name,
        "service": a.service.name,
        "place": _("Video visit")
        if a.mode == VisitMode.VIDEO
        else f"{a.location.name}, {a.location.address}",
        "by": _actor(
            history.by if history else None, recipient=recipient, appointment=a, clinic=clinic
        ),
        "reason": history.reason if history else "",
        "to_status": history.to_status if history else a.status,
        "link": link,
        "video_link": video_link(a),
        "path": reverse("appointment", args=[a.pk]),
        "rate_link": f"{link}#rate",
        "preferences_link": conf.absolute(reverse("notifications:preferences")),
    }


def _render(plans: list[_Plan], *, appointment, clinic, history=None) -> list[Outgoing]:
    prefs = _preferences([p.recipient for p in plans])
    subjects, headlines = _subjects(), _headlines()
    out: list[Outgoing] = []
    for plan in plans:
        person, pref = plan.recipient, prefs[plan.recipient.pk]
        ctx = _context(
            appointment=appointment,
            recipient=person,
            kind=plan.kind,
            clinic=clinic,
            history=history,
        )
        headline = headlines[plan.kind] % ctx
        if EMAIL in plan.channels and pref.email and person.email:
            # Plain text (the kind templates do not escape); the HTML part escapes it.
            ctx["intro"] = render_to_string(ctx["kind_template"], ctx).strip()
            method = plan.ics_method
            out.append(
                Outgoing(
                    recipient=person,
                    channel=EMAIL,
                    to=person.email,
                    subject=subjects[plan.kind] % ctx,
                    body=render_to_string("notifications/email/message.txt", ctx),
                    html=render_to_string("notifications/email/message.html", ctx),
                    ics=ics.invite(
                        appointment=appointment,
                        history=history,
                        method=method,
                        attendee=person,
                        clinic=clinic,
                    )
                    if method
                    else "",
                    ics_method=method,
                )
            )
        # Text messages go to patients who asked for them.
        if SMS in plan.channels and person.is_patient and pref.sms and person.phone:
            body = sms.fit(f"{clinic.name}: {headline}", ctx["link"])
            out.append(Outgoing(recipient=person, channel=SMS, to=person.phone, body=body))
        if IN_APP in plan.channels:
            out.append(
                Outgoing(
                    recipient=person,
                    channel=IN_APP,
                    to=person.email,
                    body=headline[:300],
                    link=ctx["path"],
                )
            )
    return out


def for_event(history: AppointmentHistory) -> list[Outgoing]:
    """The messages an appointment change sends (none for actions that tell nobody)."""
    if history.action not in NOTIFIED_ACTIONS:
        return []
    plans = _event_plans(history)
    return _render(plans, appointment=history.appointment, clinic=Clinic.current(), history=history)


def for_reminder(reminder: Reminder) -> list[Outgoing]:
    a = reminder.appointment
    plan = _Plan(a.patient, "reminder", (EMAIL, SMS, IN_APP))
    return _render([plan], appointment=a, clinic=Clinic.current())


CLAIM_CODE = "claim_code"  # Delivery.event of a code texted to claim an account


def claim_code_sms(*, code: str, minutes: int) -> str:
    """The text carrying a claim code (`accounts.phone_claim`); composed only when sent."""
    return sms.fit(
        # The code first: `fit` cuts the end of a long clinic name, never the code.
        _(
            "%(code)s is your code to claim your account at %(clinic)s. It works for "
            "%(minutes)d minutes. Do not share it: the clinic never asks for it."
        )
        % {"clinic": Clinic.settings().name, "code": code, "minutes": minutes}
    )
