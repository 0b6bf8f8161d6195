"""Typed readers for settings that come from the environment.

A bad value stops the process at start-up with a message naming the variable, instead of
failing later in a request. Every reader also accepts ``NAME_FILE`` (the value is read from
that file), so secrets can come from Docker/Kubernetes secret files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        file_name = self.environ.get(f"{name}_FILE")
        if file_name:
            try:
                return Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name}: {exc}") from exc
        return None

    def string(self, name: str, default: str) -> str:
        value = self.raw(name)
        return default if value is None else value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}")
        return number

    def strings(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
        return value

    def url(self, name: str, default: str) -> str:
        value = self.string(name, default).rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"{name}={value!r} must start with http:// or https://")
        return value
