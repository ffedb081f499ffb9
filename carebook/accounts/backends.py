"""Authentication by email, spelled one way (`identity.email_normalise`) at every door."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from carebook.accounts.identity import email_is_confusable, email_normalise


class EmailBackend(ModelBackend):
    """ModelBackend that normalises the typed email before looking the account up.

    `ſunita@…` and `SUNITA@…` reach the account of `sunita@…`; an address that imitates
    another with look-alike letters from a second alphabet never matches an account.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        email = email_normalise(username)
        if email_is_confusable(email):
            # As slow as a wrong password, so the answer does not tell the two apart.
            get_user_model()().set_password(password)
            return None
        return super().authenticate(request, username=email, password=password)
