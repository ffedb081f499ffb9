"""Querysets compiled once per process and database, then run again with new values.

Building a queryset and compiling it to SQL costs more than PostgreSQL spends answering the
small reads every page makes (a practitioner by id, their services, the clinic's name). A
`Compiled` query is written as the ORM query it is, with the values that change as arguments;
it is built once with marker values in their place, and each call sends the same SQL text with
the real values where the markers were. Rows come back as the ORM would give them: instances
(with `select_related` and annotations) or `values_list` tuples, converters applied.

Arguments are ints, strs, aware datetimes, or lists of ids given to the `in_ids` lookup
(`filter(pk__in_ids=ids)`: one parameter for any number of ids), that the query passes as
plain parameters (`filter(pk=...)`). A value that shapes the SQL text (a list for `__in`, a
slice) cannot be one, and a query whose marker does not come out as a parameter is refused when
it is first compiled.
"""

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

from carebook.core.db import Ids

_serial = itertools.count(1)
INT64 = (-(2**63), 2**63 - 1)
_EPOCH = datetime(1901, 1, 1, tzinfo=UTC)


def _marker(kind: type, n: int):
    # Values no real argument takes: a negative id (in a 32-bit column's range), text no form
    # accepts (with the characters a LIKE escapes and both cases, so a lookup that changes
    # text shows), an instant before the clinic's time, an id list of such ids.
    if kind is int:
        return -2_000_000_000 - n
    if kind is str:
        return f"\x00Carebook%_\\argument-{n}\x00"
    if kind is datetime:
        return _EPOCH + timedelta(microseconds=n)
    if kind is list:
        return Ids([_marker(int, n)])
    raise TypeError(f"A compiled query takes ints, strs, datetimes and id lists, not {kind}.")


def _sent(value, connection):
    """`value` as the query sends it: a datetime adapted for the database, ids as `Ids`."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, list | tuple) and not isinstance(value, Ids):
        return Ids(int(v) for v in value)
    return value


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: tuple[tuple[int, ...], ...]  # where each argument goes in params
    converters: tuple
    shape: str  # "model", "tuple" or "flat"
    select: list
    klass_info: dict | None
    annotations: dict


class Compiled:
    """A read whose SQL is built once: `Compiled(Model, build)`, where `build(*args)` returns
    the queryset for those arguments; `rows(*args)` runs it."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet]):
        self.model, self.build = model, build
        self._plans: dict[tuple, _Plan] = {}
        self._populators: dict[tuple, list] = {}
        self._lock = threading.Lock()

    def _plan(self, alias: str, kinds: tuple[type, ...]) -> _Plan:
        key = (alias, kinds)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        markers = [_marker(kind, next(_serial)) for kind in kinds]
        qs = self.build(*markers)
        name = self.build.__qualname__
        if qs.model is not self.model or qs._db is not None or qs._prefetch_related_lookups:
            raise ValueError(f"{name}: a query of {self.model.__name__}, no using() or prefetch")
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            raise ValueError(f"{name}: a marker was refused by its lookup") from None
        if getattr(compiler, "has_extra_select", False):
            raise ValueError(f"{name}: columns beyond those selected (order by another column)")
        slots = []
        for marker in markers:
            sent = _sent(marker, connections[alias])
            kind = type(sent)
            found = tuple(i for i, p in enumerate(params) if type(p) is kind and p == sent)
            if not found:
                raise ValueError(f"{name}: an argument is not a plain parameter")
            slots.append(found)
        shape = {
            ModelIterable: "model",
            ValuesListIterable: "tuple",
            FlatValuesListIterable: "flat",
        }.get(qs._iterable_class)
        if shape is None:
            raise ValueError(f"{name}: rows as instances or values_list only")
        select = compiler.select
        converters = tuple(compiler.get_converters([s[0] for s in select]).items())
        plan = _Plan(
            sql,
            tuple(params),
            tuple(slots),
            converters,
            shape,
            select,
            compiler.klass_info if shape == "model" else None,
            compiler.annotation_col_map or {},
        )
        with self._lock:
            self._plans[key] = plan
        return plan

    def rows(self, *args) -> list:
        if any(type(a) is int and not INT64[0] <= a <= INT64[1] for a in args):
            # No column holds it (SQLite would refuse it): the ORM's own answer.
            return list(self.build(*args))
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        kinds = tuple(list if isinstance(a, list | tuple) else type(a) for a in args)
        plan = self._plan(alias, kinds)
        params = list(plan.params)
        for arg, slots in zip(args, plan.slots, strict=True):
            sent = _sent(arg, connection)
            for i in slots:
                params[i] = sent
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, (found, expression) in plan.converters:
                    value = row[pos]
                    for converter in found:
                        value = converter(value, expression, connection)
                    row[pos] = value
        if plan.shape == "flat":
            return [row[0] for row in rows]
        if plan.shape == "tuple":
            return [tuple(row) for row in rows]
        return self._instances(plan, alias, rows)

    def _instances(self, plan: _Plan, alias: str, rows) -> list[Model]:
        info = plan.klass_info
        model = info["model"]
        first, last = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [s[0].target.attname for s in plan.select[first:last]]
        populators = self._populators.get((alias, plan.sql))
        if populators is None:
            populators = get_related_populators(info, plan.select, alias)
            self._populators[alias, plan.sql] = populators
        out = []
        for row in rows:
            obj = model.from_db(alias, names, row[first:last])
            for populator in populators:
                populator.populate(row, obj)
            for name, pos in plan.annotations.items():
                setattr(obj, name, row[pos])
            out.append(obj)
        return out

    def first(self, *args):
        found = self.rows(*args)
        return found[0] if found else None
