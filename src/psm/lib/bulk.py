"""``insert``: ``bulk_create`` for hot paths (a mail import writes five rows per message).

Django's ``bulk_create`` runs every value through the SQL compiler (pre_save, prepare,
placeholder and a type check per value): for a few thousand rows of 10–30 columns that
costs more than the database does. ``insert`` writes the same rows with the same meaning —
defaults and ``auto_now`` from the model, values prepared by their field, no signals and no
``save()`` (as ``bulk_create``) — but decides once per column how its values are prepared,
prepares a value object shared by many rows (the same ``now``, the same plan snapshot) once,
and hands plain parameter lists to the driver.

Rows get their primary keys back (``RETURNING``, in insertion order, as ``bulk_create``
relies on) unless ``returning=False``, which sends one prepared statement for all rows.
Backends without ``RETURNING`` for multi-row inserts fall back to ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, models
from django.db.models.fields import Field
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

# Fields whose prepared value is the attribute itself when it is a plain str/int/bool/None.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_PLAIN_TYPES = (str, int, bool, type(None))


def column(
    field: Field[Any, Any], connection: Any, add: bool = True, now: datetime | None = None
) -> Callable[[models.Model], Any]:
    """A function giving the prepared value of ``field`` for one object to insert (``add``)
    or update, as ``field.get_db_prep_save(field.pre_save(obj, add))`` would; ``auto_now``
    and ``auto_now_add`` columns get ``now`` (one moment for all rows of one statement)."""
    attname = field.attname
    with_pre_save = type(field).pre_save is not Field.pre_save
    stamped = (
        now is not None
        and type(field) is models.DateTimeField
        and (field.auto_now or (field.auto_now_add and add))
    )
    plain = isinstance(field, _PLAIN) and not with_pre_save
    if isinstance(field, models.ForeignKey):
        plain = plain and isinstance(field.target_field, models.IntegerField)
    fk = field if isinstance(field, models.ForeignKey) else None
    prepared: dict[int, Any] = {}  # id(value) -> prepared value, for values shared by rows
    # What get_db_prep_save comes down to for the two common kinds of value.
    aware_datetime = type(field) is models.DateTimeField and settings.USE_TZ
    adapt_datetime = connection.ops.adapt_datetimefield_value
    json_field = type(field) is models.JSONField
    adapt_json = connection.ops.adapt_json_value
    encoder = getattr(field, "encoder", None)

    def value(obj: models.Model) -> Any:
        v: Any
        if stamped:
            v = now
            setattr(obj, attname, v)
        else:
            v = field.pre_save(obj, add) if with_pre_save else getattr(obj, attname)
        if v is None and fk is not None and fk.is_cached(obj):
            related = fk.get_cached_value(obj)
            if related is not None:
                if related.pk is None:
                    raise ValueError(
                        f"insert() prohibited to prevent data loss due to unsaved related "
                        f"object '{field.name}'."
                    )
                v = related.pk
                setattr(obj, attname, v)
        if plain and type(v) in _PLAIN_TYPES:
            return v
        key = id(v)
        if key in prepared:
            return prepared[key][0]
        if aware_datetime and type(v) is datetime and v.tzinfo is not None:
            out = adapt_datetime(v)
        elif json_field and type(v) in (dict, list):
            out = adapt_json(v, encoder)
        else:
            out = field.get_db_prep_save(v, connection)
        prepared[key] = (out, v)  # v kept alive: its id stays its own
        return out

    return value


def insert(
    objs: Sequence[M],
    *,
    using: str = "default",
    returning: bool = True,
    ignore_conflicts: bool = False,
) -> list[M]:
    """Insert ``objs`` (all of one model, primary keys unset). With ``returning`` each object
    gets its primary key; ``ignore_conflicts`` skips rows that break a unique constraint (and
    then no keys are returned, as with ``bulk_create``)."""
    if not objs:
        return list(objs)
    model = type(objs[0])
    opts = model._meta
    connection = connections[using]
    features = connection.features
    if returning and (ignore_conflicts or not features.can_return_rows_from_bulk_insert):
        if not ignore_conflicts:
            return model._default_manager.using(using).bulk_create(objs)
        returning = False
    auto_pk = isinstance(opts.pk, models.AutoField)
    fields = [f for f in opts.concrete_fields if not (f.primary_key and auto_pk)]
    if not auto_pk:
        returning = False  # the caller sets the keys
    now = timezone.now()
    columns = [column(f, connection, now=now) for f in fields]
    qn = connection.ops.quote_name
    table = qn(opts.db_table)
    names = ", ".join(qn(str(f.column)) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    params = [[column(obj) for column in columns] for obj in objs]
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {row}{conflict}", params)
        else:
            pk = opts.pk
            assert pk is not None
            size = max(connection.ops.bulk_batch_size(fields, objs), 1)
            for start in range(0, len(objs), size):
                chunk = params[start : start + size]
                flat = [v for p in chunk for v in p]
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(chunk))} "
                    f"RETURNING {qn(str(pk.column))}",
                    flat,
                )
                for obj, (key,) in zip(objs[start : start + size], cursor.fetchall(), strict=True):
                    obj.pk = key
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return list(objs)
