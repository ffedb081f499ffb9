"""Queryset helpers the selectors of every app share."""

from django.db.models import QuerySet


def visible_by_role(qs: QuerySet, user) -> QuerySet:
    """Rows that name a patient and a practitioner, as `user` may see them: staff every row, a
    practitioner the rows they are the practitioner of, a patient their own; an anonymous or
    inactive user, or anyone else, none."""
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_staff:
        return qs
    if user.is_practitioner:
        return qs.filter(practitioner__user=user)
    if user.is_patient:
        return qs.filter(patient=user)
    return qs.none()


def filter_given(qs: QuerySet, **lookups) -> QuerySet:
    """Filter on each lookup whose value was given (not empty or None); skip the others."""
    given = {lookup: value for lookup, value in lookups.items() if value}
    return qs.filter(**given) if given else qs
