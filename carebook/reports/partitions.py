"""A rollup table kept per practitioner and local day: the plumbing both rollups share.

Rows are (grain, day, practitioner, *key) -> measures. A day of one practitioner is replaced
as a whole, and its month's rows are added up again from the days, under an advisory lock on
the practitioner, so refreshes of the same practitioner never interleave.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection, models
from django.db.models import Sum

from carebook.clinic.models import Practitioner

ROLLUP_LOCK = 0x7265706F  # "repo": the advisory-lock namespace of rollup days
DAY, MONTH = "D", "M"

Rows = dict[tuple, dict]  # (practitioner_id, day, *key) -> {measure: value}


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def practitioners_or_all(practitioner_ids: Iterable[int] | None) -> list[int]:
    """These practitioners, or every one (what a rebuild goes through, one at a time)."""
    if practitioner_ids is not None:
        return sorted(practitioner_ids)
    return list(Practitioner.objects.order_by("pk").values_list("pk", flat=True))


def lock(practitioner_id: int) -> None:
    """One refresh of a practitioner's rollups at a time (PostgreSQL; SQLite writes one by
    one anyway). Call inside the refreshing transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, practitioner_id])


@dataclass(frozen=True)
class Partitioned:
    model: type[models.Model]
    key: tuple[str, ...]  # the row's key fields after grain, day and practitioner
    measures: tuple[str, ...]

    def empty(self) -> dict:
        return dict.fromkeys(self.measures, 0)

    def objects(self, grain: str, rows: Rows) -> list:
        return [
            self.model(
                grain=grain,
                practitioner_id=key[0],
                day=key[1],
                **dict(zip(self.key, key[2:], strict=True)),
                **measures,
            )
            for key, measures in rows.items()
        ]

    def months(self, rows: Rows) -> Rows:
        """Day rows added up into month rows."""
        out: Rows = {}
        for (pid, day, *key), measures in rows.items():
            month = out.setdefault((pid, day.replace(day=1), *key), self.empty())
            for name, value in measures.items():
                month[name] += value
        return out

    def replace_day(self, practitioner_id: int, day: date, rows: Rows) -> None:
        """The practitioner's day rows are `rows`; their month is added up again."""
        mine = self.model.objects.filter(practitioner_id=practitioner_id)
        mine.filter(grain=DAY, day=day).delete()
        self.model.objects.bulk_create(self.objects(DAY, rows))
        month = day.replace(day=1)
        mine.filter(grain=MONTH, day=month).delete()
        days = (
            mine.filter(grain=DAY, day__gte=month, day__lt=next_month(month))
            .values(*self.key)
            .annotate(**{f"sum_{m}": Sum(m) for m in self.measures})
            .order_by()
        )
        self.model.objects.bulk_create(
            self.objects(
                MONTH,
                {
                    (practitioner_id, month, *(row[k] for k in self.key)): {
                        m: row[f"sum_{m}"] for m in self.measures
                    }
                    for row in days
                },
            )
        )

    def replace_all(self, practitioner_id: int, rows: Rows, *, batch: int = 2000) -> None:
        """Every row of the practitioner, days and months, from `rows` (their day rows)."""
        self.model.objects.filter(practitioner_id=practitioner_id).delete()
        self.model.objects.bulk_create(self.objects(DAY, rows), batch_size=batch)
        self.model.objects.bulk_create(self.objects(MONTH, self.months(rows)), batch_size=batch)
