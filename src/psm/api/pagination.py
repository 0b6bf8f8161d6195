"""Keyset pagination: every list is in a stable order that ends with the id, and a page
ends with a ``next`` link that carries the last row's sort key (an opaque cursor). A deep
page costs what the first one does (no OFFSET), and rows added meanwhile neither repeat
nor skip rows of a walk."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from psm.api.errors import ApiError

M = TypeVar("M", bound=Model)
MAX_LIMIT = 200


@dataclass(frozen=True)
class Order:
    """Sort fields, each ``name`` or ``-name`` (descending); the last must be unique."""

    fields: tuple[str, ...]

    def keys(self, row: Any) -> list[Any]:
        values = []
        for field in self.fields:
            value = getattr(row, field.lstrip("-"))
            values.append(value.isoformat() if isinstance(value, datetime) else value)
        return values

    def after(self, values: Sequence[Any]) -> Q:
        """Rows after the row with these sort values."""
        condition = Q()
        for i, field in enumerate(self.fields):
            name = field.lstrip("-")
            op = "lt" if field.startswith("-") else "gt"
            step = Q(
                **{f"{n.lstrip('-')}": v for n, v in zip(self.fields[:i], values, strict=False)}
            )
            step &= Q(**{f"{name}__{op}": values[i]})
            condition |= step
        # The same bound on the first field alone, which an index on the sort fields can seek
        # to (the OR above is only a filter: a deep page read and threw away 500,000 rows).
        first = self.fields[0]
        bound = "lte" if first.startswith("-") else "gte"
        return Q(**{f"{first.lstrip('-')}__{bound}": values[0]}) & condition


def _bad_cursor() -> ApiError:
    return ApiError(
        422,
        "cursor: not a cursor of this list; follow the next link as given.",
        [{"loc": ["query", "cursor"], "msg": "not a cursor of this list"}],
    )


def decode(cursor: str, order: Order) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(data, dict) or data.get("o") != list(order.fields):
        raise _bad_cursor()
    values = data.get("v")
    if not isinstance(values, list) or len(values) != len(order.fields):
        raise _bad_cursor()
    for field, value in zip(order.fields, values, strict=True):
        name = field.lstrip("-")
        if name.endswith("_at"):
            if not isinstance(value, str) or parse_datetime(value) is None:
                raise _bad_cursor()
        elif not isinstance(value, int | str) or isinstance(value, bool):
            raise _bad_cursor()
    return values


def encode(values: Sequence[Any], order: Order) -> str:
    raw = json.dumps({"o": list(order.fields), "v": list(values)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def page_size(limit: int | None) -> int:
    return int(settings.PSM_API_PAGE_SIZE) if limit is None else limit


def paginate(
    request: HttpRequest,
    queryset: QuerySet[M],
    order: Order,
    *,
    cursor: str | None,
    limit: int | None,
) -> dict[str, Any]:
    """``{"items": [...], "next": url or null}`` for the page after ``cursor``."""
    size = page_size(limit)
    rows = queryset.order_by(*order.fields)
    if cursor:
        rows = rows.filter(order.after(decode(cursor, order)))
    items = list(rows[: size + 1])
    more = len(items) > size
    items = items[:size]
    next_url = None
    if more and items:
        query = request.GET.copy()
        query["cursor"] = encode(order.keys(items[-1]), order)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"items": items, "next": next_url}
