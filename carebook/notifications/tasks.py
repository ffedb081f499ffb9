"""Background work (django-tasks, database backend): arguments are primary keys.

Every task may run more than once (a retry, a reaped task, two workers): whatever it sends is
recorded as a Delivery under a unique key first, and a Delivery is sent at most once.
django-tasks has no retries of its own; `retried` enqueues the task again with a growing delay.
"""

import hashlib
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django_tasks import TaskContext, task

from carebook.accounts import phone_claim
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.core.periodic import keep_queued
from carebook.core.tasks import max_attempts, retried
from carebook.core.timeutils import now as utcnow
from carebook.notifications import conf, journal, messages, reaper, selectors, sms
from carebook.notifications.models import Delivery, Notification, Reminder

logger = logging.getLogger(__name__)

S = Appointment.Status
QUEUED, SENT, FAILED = Delivery.Status.QUEUED, Delivery.Status.SENT, Delivery.Status.FAILED


def _record(*, appointment: Appointment, event: str, sequence: int, outgoing) -> int:
    """Store each message once (by key) and queue its sending; in-app ones are shown at once."""
    made_count = 0
    now = utcnow()
    for out in outgoing:
        key = f"{appointment.pk}:{event}:{sequence}:{out.recipient.pk}:{out.channel}"
        in_app = out.channel == Delivery.Channel.IN_APP
        delivery, made = Delivery.objects.get_or_create(
            key=key,
            defaults={
                "appointment": appointment,
                "event": event,
                "recipient": out.recipient,
                "channel": out.channel,
                "to": out.to,
                "subject": out.subject,
                "body": out.body,
                "html": out.html,
                "ics": out.ics,
                "ics_method": out.ics_method,
                "status": SENT if in_app else QUEUED,
                "attempts": 1 if in_app else 0,
                "sent_at": now if in_app else None,
            },
        )
        if not made:
            continue
        made_count += 1
        if in_app:
            Notification.objects.create(user=out.recipient, text=out.body, link=out.link)
        else:
            send_delivery.enqueue(delivery_id=delivery.pk)
    return made_count


def _schedule_reminders(appointment: Appointment, *, now) -> None:
    for minutes in selectors.reminder_offsets():
        due = appointment.start - timedelta(minutes=minutes)
        if due <= now:
            continue
        reminder, made = Reminder.objects.get_or_create(
            appointment=appointment, offset_minutes=minutes, defaults={"due_at": due}
        )
        if made:
            send_reminder.using(run_after=due).enqueue(reminder_id=reminder.pk)


def _drop_reminders(appointment_id: int, *, why: str, now) -> None:
    Reminder.objects.filter(appointment_id=appointment_id, status=Reminder.Status.SCHEDULED).update(
        status=Reminder.Status.SKIPPED, note=why, processed_at=now
    )


@task()
@retried
def send_appointment_event(history_id: int, attempt: int = 1) -> str:
    """Tell the people concerned about one appointment change; schedule or drop reminders."""
    history = (
        AppointmentHistory.objects.select_related(
            "by",
            "appointment__patient",
            "appointment__practitioner__user",
            "appointment__location",
            "appointment__service",
        )
        .filter(pk=history_id)
        .first()
    )
    if history is None:
        return "no such change"
    appointment = history.appointment
    outgoing = messages.for_event(history)
    now = utcnow()
    with transaction.atomic():
        made = _record(
            appointment=appointment, event=history.action, sequence=history.pk, outgoing=outgoing
        )
        if history.action in ("booked", "rescheduled", "confirm"):
            if history.to_status == S.CONFIRMED:
                _schedule_reminders(appointment, now=now)
        if history.action == "rescheduled":
            _drop_reminders(appointment.rescheduled_from_id, why="appointment moved", now=now)
        elif history.to_status in (S.CANCELLED, S.REJECTED):
            _drop_reminders(appointment.pk, why=f"appointment {history.to_status}", now=now)
    ensure_reaper_scheduled()
    return f"{made} new message(s)"


def _why_not_remind(reminder: Reminder, *, now) -> str:
    a = reminder.appointment
    if a.status != S.CONFIRMED:
        return f"appointment {a.status}"
    if a.start - timedelta(minutes=reminder.offset_minutes) != reminder.due_at:
        return "appointment moved"
    if now >= a.start:
        return "appointment already started"
    later_due = Reminder.objects.filter(
        appointment=a,
        status=Reminder.Status.SCHEDULED,
        due_at__gt=reminder.due_at,
        due_at__lte=now,
    )
    if later_due.exists():
        return "a later reminder is due"
    return ""


@task()
@retried
def send_reminder(reminder_id: int, attempt: int = 1) -> str:
    """Remind the patient, unless the appointment was cancelled, moved or has begun."""
    now = utcnow()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related(
                "appointment__patient",
                "appointment__practitioner__user",
                "appointment__location",
                "appointment__service",
            )
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.status != Reminder.Status.SCHEDULED:
            return "already handled"
        if now < reminder.due_at:
            return "not due yet"
        why_not = _why_not_remind(reminder, now=now)
        if why_not:
            reminder.status, reminder.note = Reminder.Status.SKIPPED, why_not
        else:
            _record(
                appointment=reminder.appointment,
                event="reminder",
                sequence=reminder.offset_minutes,
                outgoing=messages.for_reminder(reminder),
            )
            reminder.status = Reminder.Status.SENT
        reminder.processed_at = now
        reminder.save(update_fields=["status", "note", "processed_at"])
    return reminder.note or "sent"


def _message_id(delivery: Delivery) -> str:
    # The same id on every try lets a receiving server drop a copy a crash made us send twice.
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:16]
    domain = conf.from_address().rpartition("@")[2] or urlsplit(conf.base_url()).hostname
    return f"<carebook.{delivery.pk}.{digest}@{domain}>"


def _send_email(delivery: Delivery) -> None:
    connection = get_connection(timeout=conf.send_timeout())
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body,
        to=[delivery.to],
        connection=connection,
        headers={"Message-ID": _message_id(delivery), "Auto-Submitted": "auto-generated"},
    )
    if delivery.html:
        message.attach_alternative(delivery.html, "text/html")
    if delivery.ics:
        # Calendar clients act on the text/calendar alternative; the .ics file is for the rest.
        message.attach_alternative(delivery.ics, f"text/calendar; method={delivery.ics_method}")
        message.attach("invite.ics", delivery.ics.encode(), "application/ics")
    message.send()


class CodeNotLive(Exception):
    """A claim code was used, replaced or expired before its SMS went: not worth sending."""


def _sms_text(delivery: Delivery) -> str:
    if delivery.event != messages.CLAIM_CODE:
        return delivery.body
    # The code is never stored (accounts.phone_claim): it is derived again as it is sent.
    code = phone_claim.live_code(claim_id=int(delivery.key.rpartition(":")[2]))
    if code is None:
        raise CodeNotLive()
    minutes = int(phone_claim.CODE_LIFETIME.total_seconds() // 60)
    return messages.claim_code_sms(code=code, minutes=minutes)


def _send(delivery: Delivery) -> None:
    if delivery.channel == Delivery.Channel.EMAIL:
        _send_email(delivery)
    elif delivery.channel == Delivery.Channel.SMS:
        sms.send_sms(to=delivery.to, text=_sms_text(delivery))
    else:
        raise ValueError(f"Cannot send on channel {delivery.channel!r}.")


@task()
@retried
def send_delivery(delivery_id: int, attempt: int = 1) -> str:
    """Send one recorded message, at most once however often this runs."""
    now = utcnow()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + conf.claim_lease(), attempts=F("attempts") + 1)
    )
    if not claimed:
        state = Delivery.objects.filter(pk=delivery_id).values("status", "claimed_until").first()
        if state is None or state["status"] != QUEUED:
            return state["status"] if state else "no such message"
        # Another run is sending it: look again once its claim lapses (if it died meanwhile).
        send_delivery.using(run_after=state["claimed_until"]).enqueue(
            delivery_id=delivery_id, attempt=attempt
        )
        return "being sent elsewhere"
    delivery = Delivery.objects.get(pk=delivery_id)
    if journal.knows(delivery):
        # Accepted before a crash kept us from recording it, or before the backup this
        # database was restored from: never twice.
        Delivery.objects.filter(pk=delivery_id).update(
            status=SENT, sent_at=utcnow(), claimed_until=None, last_error=""
        )
        return "already accepted (journal)"
    try:
        _send(delivery)
    except CodeNotLive:
        Delivery.objects.filter(pk=delivery_id).update(
            status=FAILED,
            last_error="The code expired or was replaced before it went.",
            claimed_until=None,
        )
        return "code no longer live"
    except Exception as exc:
        final = attempt >= max_attempts()
        Delivery.objects.filter(pk=delivery_id).update(
            status=FAILED if final else QUEUED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            claimed_until=None,
        )
        raise
    try:
        journal.record(journal.entry(delivery))
    except OSError:
        logger.exception("Could not journal delivery %s (a restore may resend it)", delivery.pk)
    Delivery.objects.filter(pk=delivery_id).update(
        status=SENT, sent_at=utcnow(), claimed_until=None, last_error=""
    )
    return SENT


def ensure_reaper_scheduled(*, exclude: str | None = None) -> None:
    """Keep one reaper run in the queue, so stuck tasks are found without a cron job."""
    keep_queued(reap_stuck_tasks, every=conf.reap_interval(), exclude=exclude)


@task(takes_context=True)
def reap_stuck_tasks(context: TaskContext) -> str:
    """Queue again the tasks whose worker died (RUNNING past the timeout); runs periodically."""
    # The next run is queued first: a worker killed right here still leaves the chain alive.
    ensure_reaper_scheduled(exclude=context.task_result.id)
    requeued, failed = reaper.requeue_stuck(now=utcnow())
    return f"requeued {requeued}, failed {failed}"
