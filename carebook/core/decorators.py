"""View decorators for the web doors: who may open a page at all (the rules stay in services)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def role_required(check, *, attach=None):
    """Log in first; then anyone for whom `check(user)` is false gets 404, as if the page did
    not exist. `attach(request)` may add what the view needs (e.g. the practitioner)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise Http404
            if attach is not None:
                attach(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(lambda user: user.is_staff)
patient_required = role_required(lambda user: user.is_patient)
