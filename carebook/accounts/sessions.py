"""Session lifetimes: an idle limit by role, an absolute limit, and revocation by epoch.

Everything the check needs lives in the session itself (when it started, when it was last used,
the user's `session_epoch` when it was stamped) and in the user row, so any number of web
processes, and any session backend, agree. `credentials.credentials_revoke` bumps the user's
epoch; every session stamped with an older one ends at its next request.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from carebook.accounts import throttle
from carebook.accounts.models import User
from carebook.core.security_log import security_event
from carebook.core.timeutils import now as utcnow

STARTED = "cb_session_started"
SEEN = "cb_session_seen"
EPOCH = "cb_session_epoch"

# The last-use time is written at most this often, so a busy page is not a session write each.
TOUCH_EVERY = timedelta(seconds=60)


def idle_limit(user: User) -> timedelta:
    """How long `user`'s session may go unused: short for staff and practitioners."""
    if user.is_patient:
        minutes = getattr(settings, "CAREBOOK_SESSION_IDLE_PATIENT_MINUTES", 30)
    elif user.is_practitioner:
        minutes = getattr(settings, "CAREBOOK_SESSION_IDLE_PRACTITIONER_MINUTES", 15)
    else:
        minutes = getattr(settings, "CAREBOOK_SESSION_IDLE_STAFF_MINUTES", 15)
    return timedelta(minutes=minutes)


def absolute_limit() -> timedelta:
    """How long any session lasts after logging in, however busy."""
    return timedelta(hours=getattr(settings, "CAREBOOK_SESSION_MAX_HOURS", 12))


def warn_before() -> timedelta:
    """How long before the end the page warns (see static/js/session.js)."""
    return timedelta(seconds=getattr(settings, "CAREBOOK_SESSION_WARN_SECONDS", 120))


def session_stamp(session, user: User, *, now=None, fresh: bool = True) -> None:
    """Mark `session` as `user`'s, at their current epoch; `fresh` restarts both clocks."""
    now = now or utcnow()
    stamp = now.timestamp()
    if fresh or STARTED not in session:
        session[STARTED] = stamp
    session[SEEN] = stamp
    session[EPOCH] = user.session_epoch


@dataclass(frozen=True)
class SessionState:
    """Where a session stands: `ended` says why it is over ("" while it lives)."""

    ended: str
    idle_left: timedelta
    absolute_left: timedelta

    @property
    def left(self) -> timedelta:
        return min(self.idle_left, self.absolute_left)


def session_state(session, user: User, *, now=None) -> SessionState:
    """Judge `user`'s stamped `session` at `now`: revoked, idle too long, too old, or alive."""
    now = now or utcnow()
    stamp = now.timestamp()
    idle_left = timedelta(seconds=session.get(SEEN, stamp) - stamp) + idle_limit(user)
    absolute_left = timedelta(seconds=session.get(STARTED, stamp) - stamp) + absolute_limit()
    ended = ""
    if session.get(EPOCH, -1) != user.session_epoch:
        ended = "revoked"
    elif idle_left <= timedelta(0):
        ended = "idle"
    elif absolute_left <= timedelta(0):
        ended = "lifetime"
    return SessionState(ended, max(idle_left, timedelta(0)), max(absolute_left, timedelta(0)))


ENDED_MESSAGES = {
    "idle": _("You were signed out after a while without activity. Please log in again."),
    "lifetime": _("Your session reached its time limit. Please log in again."),
    "revoked": _("Your session was ended. Please log in again."),
}


def is_activity(request) -> bool:
    """Whether a request shows the person is there: polling and status checks are not."""
    if getattr(request, "session_status_check", False):
        return False
    # htmx polls (the slot picker refreshes every 2 s) must not keep an empty desk signed in.
    return not (request.headers.get("HX-Request") and request.method in ("GET", "HEAD"))


def _keep_alive_path() -> str:
    try:
        return reverse("session_status")
    except NoReverseMatch:
        return ""


@receiver(user_logged_in, dispatch_uid="carebook.accounts.sessions.stamp_on_login")
def stamp_on_login(sender, request, user, **kwargs):
    """Every login, at any door with a session (site, /admin/, tests' force_login), starts the
    clocks at the user's current epoch."""
    session = getattr(request, "session", None)
    if session is not None:
        session_stamp(session, user)


class SessionLimitMiddleware:
    """End sessions that are revoked, idle too long or too old.

    Sits after AuthenticationMiddleware and MessageMiddleware. An ended session is flushed and
    the request goes on as anonymous, so each door answers as it does to anyone logged out (a
    page redirects to login with `next`, the API says 401).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Every security event of this request records the real client, even behind a proxy.
        throttle.client_ip(request)
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            self._check(request, session)
        return self.get_response(request)

    def _check(self, request, session) -> None:
        user = request.user
        if not user.is_authenticated:
            return  # the auth middleware already refused it (suspended, password changed)
        if request.path == _keep_alive_path() and request.method in ("GET", "HEAD"):
            request.session_status_check = True
        now = utcnow()
        if EPOCH not in session and user.session_epoch == 0:
            # Logged in before these stamps existed, and never revoked since: start the clocks.
            session_stamp(session, user, now=now)
            return
        state = session_state(session, user, now=now)
        if state.ended:
            session.flush()
            request.user = AnonymousUser()
            security_event(
                kind="logout", user=user, request=request, detail=f"session ended: {state.ended}"
            )
            messages.info(request, ENDED_MESSAGES[state.ended])
            return
        touch_every = min(TOUCH_EVERY, idle_limit(user) / 10)
        if is_activity(request) and now.timestamp() - session[SEEN] >= touch_every.total_seconds():
            session[SEEN] = now.timestamp()
