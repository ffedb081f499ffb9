"""Meeting rooms for video visits, from a provider a clinic can swap (default: Jitsi Meet).

A room's name is derived, not stored: an HMAC of the appointment with the server's secret, so it
is unguessable, needs no column, and is the same in the email, the invite and the page. Rotating
SECRET_KEY renames the rooms of visits still to come (say so to patients if you do).
The link is shown to the appointment's patient and practitioner only, from `OPENS_BEFORE` before
the start until the end, and never for a visit that is not booked (cancelled, rejected…).
"""

import base64
import hashlib
import hmac
from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.module_loading import import_string

from carebook.booking.models import Appointment
from carebook.clinic.models import VisitMode

OPENS_BEFORE = timedelta(minutes=15)
LIVE = (Appointment.Status.CONFIRMED,)


class VideoProvider(ABC):
    """What carebook asks of a video service: a join URL for an appointment's room."""

    name: str

    @abstractmethod
    def room_url(self, appointment: Appointment) -> str: ...


def room_name(appointment: Appointment) -> str:
    """Unguessable and stable: the same room for the same appointment, on every server."""
    message = f"carebook-video:{appointment.pk}:{appointment.created_at.isoformat()}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return "carebook-" + base64.b32encode(digest[:20]).decode().lower()


class JitsiMeet(VideoProvider):
    """Jitsi Meet rooms on CAREBOOK_JITSI_SERVER (https://meet.jit.si unless configured)."""

    name = "jitsi"

    def room_url(self, appointment: Appointment) -> str:
        server = getattr(settings, "CAREBOOK_JITSI_SERVER", "https://meet.jit.si").rstrip("/")
        return f"{server}/{room_name(appointment)}"


def provider_get() -> VideoProvider:
    path = getattr(settings, "CAREBOOK_VIDEO_PROVIDER", "carebook.booking.video.JitsiMeet")
    return import_string(path)()


def video_link(appointment: Appointment) -> str:
    """The join URL of a booked video visit, or "" (not video, or no longer booked)."""
    if appointment.mode != VisitMode.VIDEO or appointment.status not in LIVE:
        return ""
    return provider_get().room_url(appointment)


def video_link_for(appointment: Appointment, user, *, now: datetime) -> tuple[str, datetime | None]:
    """(link, opens_at) for `user` on a page: the link only for the patient and the
    practitioner, from 15 minutes before the start until the end; else when it opens."""
    link = video_link(appointment)
    mine = user.pk in (appointment.patient_id, appointment.practitioner.user_id)
    if not link or not mine or now > appointment.end:
        return "", None
    opens = appointment.start - OPENS_BEFORE
    return (link, None) if now >= opens else ("", opens)
