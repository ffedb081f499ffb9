"""Who calls the REST or FHIR API: a bearer token, or the site's session (CSRF on writes)."""

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from carebook.accounts.models import User
from carebook.accounts.tokens import token_get_live, token_touch
from carebook.core.timeutils import now as utcnow


class CsrfFailed(HttpError):
    def __init__(self):
        super().__init__(403, "CSRF check failed. Send the X-CSRFToken header with the session.")


def user_from_bearer(request: HttpRequest, raw: str) -> User | None:
    now = utcnow()
    token = token_get_live(raw=raw.strip(), now=now)
    if token is None:
        return None
    token_touch(token=token, now=now)
    request.api_token = token
    return token.user


def user_from_session(request: HttpRequest, *, csrf: bool = True) -> User | None:
    """The logged-in user of this session; unsafe methods must also pass Django's CSRF check."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
        raise CsrfFailed()
    return user


def request_user(request: HttpRequest) -> User | None:
    """The caller by bearer token first, else by session; None for an anonymous caller.

    An Authorization header that is present but wrong never falls back to the session.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return user_from_bearer(request, raw)
    return user_from_session(request)


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token from POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_from_bearer(request, token)


class SessionAuth(APIKeyCookie):
    """The site's login session; CSRF is checked only when a session actually authenticates."""

    def __init__(self, csrf: bool = True):
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=csrf)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if request.headers.get("Authorization"):
            return None  # a request that names a token is judged by its token alone
        return user_from_session(request, csrf=self.csrf)


api_auth = [BearerAuth(), SessionAuth()]
