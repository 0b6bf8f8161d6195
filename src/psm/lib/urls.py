"""Reversing one URL for many rows at once."""

from __future__ import annotations

import re

from django.urls import reverse

_PLAIN = re.compile(r"[A-Za-z0-9_-]+")  # what every URL converter takes unquoted
_SLOT = "psm-slot-0"


class Urls:
    """``reverse(name, args=[value])`` for many values of one URL: the pattern is reversed
    once, each value then goes in its place (values that would need quoting are reversed)."""

    def __init__(self) -> None:
        self._patterns: dict[str, str] = {}

    def __call__(self, name: str, value: str) -> str:
        if not _PLAIN.fullmatch(value):
            return reverse(name, args=[value])
        pattern = self._patterns.get(name)
        if pattern is None:
            pattern = self._patterns[name] = reverse(name, args=[_SLOT])
        return pattern.replace(_SLOT, value)
