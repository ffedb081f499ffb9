"""Reads of accounts."""

from carebook.accounts.models import User


def user_get(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()
