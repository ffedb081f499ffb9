"""Row locks taken late in a transaction, in a fixed order, so concurrent writers queue."""

from django.db.models import Model


def lock(model: type[Model], *pks: int) -> None:
    """Lock these rows until the transaction ends (PostgreSQL); ordered by pk to avoid deadlock.

    On SQLite this is a no-op: IMMEDIATE transactions already hold the database's write lock.
    """
    list(
        model.objects.select_for_update()
        .filter(pk__in=sorted(set(pks)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
