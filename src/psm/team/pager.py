"""Validation of pager targets (Apprise URLs) before they are stored."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def validate_pager_url(url: str) -> None:
    """Accept only URLs Apprise knows how to deliver to; say which one is wrong."""
    import apprise

    if "://" not in url:
        raise ValidationError(f"{url[:20]}…: not a URL (expected scheme://…, e.g. ntfy://topic)")
    if apprise.Apprise.instantiate(url) is None:
        scheme = url.split("://", 1)[0]
        raise ValidationError(f"{scheme}://… is not a pager target Apprise can deliver to.")
