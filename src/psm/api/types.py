"""Input types every operation shares, so that any input a client can send is either
accepted or answered with a 422 (never a database error): text without NUL characters or
lone surrogates, ids in the database's range, times with a zone in a sane range."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_ID = 2**63 - 1


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _when(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not 1970 <= value.astimezone(UTC).year <= 2999 or not 1970 <= value.year <= 2999:
        raise ValueError("must be a time between 1970 and 2999")
    return value


Text = Annotated[str, AfterValidator(_clean)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
When = Annotated[datetime, AfterValidator(_when)]

# Path parameters: what a slug, a case reference and an id look like (anything else: 422).
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Reference = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,60}$")]
