"""Calendar data (RFC 5545/5546): invites for emails and private feeds.

One event per reschedule chain: its UID names the chain's first appointment and never changes,
so calendars move the event instead of adding a second one. SEQUENCE counts the changes made to
the chain before the one being sent. Times are UTC; UIDs hold no patient data.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count
from django.urls import reverse
from icalendar import Calendar, Event, vCalAddress, vText

from carebook.accounts.models import User
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.video import video_link
from carebook.clinic.models import Clinic, VisitMode
from carebook.notifications import conf

PRODID = "-//carebook//Appointments//EN"
S = Appointment.Status


def uid_for(root_id: int) -> str:
    return f"appointment-{root_id}@carebook"


def chain_ids(appointment: Appointment) -> list[int]:
    """The ids of `appointment` and every appointment it was moved from, first one first."""
    ids = [appointment.pk]
    parent = appointment.rescheduled_from_id
    while parent is not None:
        ids.append(parent)
        parent = (
            Appointment.objects.filter(pk=parent)
            .values_list("rescheduled_from_id", flat=True)
            .first()
        )
    return ids[::-1]


def sequence_before(history: AppointmentHistory, chain: list[int]) -> int:
    """How many changes the chain saw before `history` (append-only, so this never shrinks)."""
    return AppointmentHistory.objects.filter(appointment_id__in=chain, id__lt=history.pk).count()


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _organizer(clinic: Clinic) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{conf.from_address()}")
    organizer.params["cn"] = vText(clinic.name)
    return organizer


def _place(appointment: Appointment) -> str:
    if appointment.mode == VisitMode.VIDEO:
        return "Video visit"
    return f"{appointment.location.name}, {appointment.location.address}".replace("\n", ", ")


def _event(*, appointment: Appointment, uid: str, sequence: int, stamp: datetime, summary: str):
    link = conf.absolute(reverse("appointment", args=[appointment.pk]))
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    room = video_link(appointment)
    event.add("location", room or _place(appointment))
    event.add("description", f"{link}\n\nJoin the video visit: {room}" if room else link)
    event.add("url", link)
    if room:
        # RFC 7986: a conference a calendar can offer to join.
        event.add(
            "conference",
            room,
            parameters={"VALUE": "URI", "FEATURE": "AUDIO,VIDEO", "LABEL": "Video visit"},
        )
    event.add("transp", "OPAQUE")
    return event


def patient_summary(appointment: Appointment) -> str:
    return f"{appointment.service.name} with {appointment.practitioner.display_name}"


def practitioner_summary(appointment: Appointment) -> str:
    """Enough for the practitioner to know who is coming: given name and an initial."""
    parts = appointment.patient.full_name.split()
    who = parts[0] if parts else "patient"
    if len(parts) > 1:
        who = f"{who} {parts[-1][0]}."
    return f"{appointment.service.name} · {who}"


def invite(
    *,
    appointment: Appointment,
    history: AppointmentHistory,
    method: str,
    attendee: User,
    clinic: Clinic,
) -> str:
    """An iTIP REQUEST (new or changed event) or CANCEL for `attendee`'s calendar."""
    chain = chain_ids(appointment)
    event = _event(
        appointment=appointment,
        uid=uid_for(chain[0]),
        sequence=sequence_before(history, chain),
        stamp=history.at,  # fixed by the change, so a retried email carries the same object
        summary=patient_summary(appointment),
    )
    event.add("organizer", _organizer(clinic))
    person = vCalAddress(f"mailto:{attendee.email}")
    person.params["cn"] = vText(attendee.full_name)
    person.params["role"] = vText("REQ-PARTICIPANT")
    person.params["partstat"] = vText("ACCEPTED")
    person.params["rsvp"] = vText("FALSE")
    event.add("attendee", person)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    else:
        # The status the change left, not today's: a late email must not claim a later state.
        event.add("status", "CONFIRMED" if history.to_status == S.CONFIRMED else "TENTATIVE")
    cal = _calendar(method)
    cal.add_component(event)
    return cal.to_ical().decode()


def feed_statuses() -> tuple[str, ...]:
    """What a feed lists: appointments that keep their time (a few-minute hold is not one)."""
    return (S.REQUESTED, S.CONFIRMED)


def _roots_and_sequences(appointments: list[Appointment]) -> dict[int, tuple[int, int]]:
    """For each appointment: (its chain's first id, changes to the chain so far minus one)."""
    parent = {a.pk: a.rescheduled_from_id for a in appointments}
    missing = {p for p in parent.values() if p is not None and p not in parent}
    while missing:
        rows = Appointment.objects.filter(pk__in=missing).values_list("pk", "rescheduled_from_id")
        parent.update(rows)
        missing = {p for p in parent.values() if p is not None and p not in parent}
    counts = dict(
        AppointmentHistory.objects.filter(appointment_id__in=parent)
        .values_list("appointment_id")
        .annotate(n=Count("id"))
        .values_list("appointment_id", "n")
    )
    result = {}
    for appointment in appointments:
        pk, changes = appointment.pk, 0
        while True:
            changes += counts.get(pk, 0)
            if parent.get(pk) is None:
                break
            pk = parent[pk]
        result[appointment.pk] = (pk, max(changes - 1, 0))
    return result


def feed(*, owner: User, appointments: Iterable[Appointment], clinic: Clinic, now: datetime) -> str:
    """A METHOD:PUBLISH calendar of `owner`'s appointments, titled for what the owner needs."""
    appointments = list(appointments)
    chains = _roots_and_sequences(appointments)
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", f"{clinic.name} appointments")
    cal.add("x-published-ttl", "PT1H")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    as_practitioner = owner.is_practitioner
    for appointment in appointments:
        root, sequence = chains[appointment.pk]
        summary = (
            practitioner_summary(appointment) if as_practitioner else patient_summary(appointment)
        )
        if appointment.status == S.REQUESTED:
            summary = f"{summary} (requested)"
        event = _event(
            appointment=appointment,
            uid=uid_for(root),
            sequence=sequence,
            stamp=now,
            summary=summary,
        )
        event.add("organizer", _organizer(clinic))
        event.add("status", "CONFIRMED" if appointment.status == S.CONFIRMED else "TENTATIVE")
        cal.add_component(event)
    return cal.to_ical().decode()
