"""Showing a message's HTML without letting it phone home.

An image in an HTML mail that points at another server (a tracking pixel, a logo on the
sender's site) is fetched by the browser of whoever opens the message: it tells the sender
who read it, when and from where. So remote images are held back by default, on the staff
case page and in the client portal alike; the reader chooses "Show images" for one message
at a time. Shown images are fetched without a referrer (the case's address never leaks).

Stored HTML is already sanitized (``services.sanitize_html``); this runs the same sanitizer
again with a filter on image sources, so what is shown is never more than what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

import nh3
from csp.decorators import csp_update
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe

_REMOTE = ("http://", "https://", "//")


@dataclass(frozen=True)
class Body:
    html: SafeString
    blocked: int  # remote images held back (0 when shown or when there are none)


def display(html: str, *, show_images: bool = False) -> Body:
    """``html`` ready for a page: remote images held back unless ``show_images``."""
    if not html:
        return Body(mark_safe(""), 0)
    blocked = 0

    def image_source(element: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if element != "img" or attribute != "src":
            return value
        if not value.strip().lower().startswith(_REMOTE):
            return None  # a relative address would call this very server: never
        if show_images:
            return value
        blocked += 1
        return None

    attributes = {"referrerpolicy": "no-referrer"} if show_images else {"data-blocked": "remote"}
    cleaned = nh3.clean(
        html, attribute_filter=image_source, set_tag_attribute_values={"img": attributes}
    )
    return Body(mark_safe(cleaned), blocked)


# The page of a case may show a message's remote images when its reader asks (an htmx swap
# into the page already loaded), so its Content-Security-Policy admits images from any web
# host; the sanitiser keeps every remote image out until that choice is made.
REMOTE_IMAGES_CSP = {"img-src": ["https:", "http:"]}  # added to the site's policy

View = TypeVar("View", bound=Callable[..., HttpResponse])


def admits_remote_images(view: View) -> View:
    """The view's page may show remote images once its reader asks (see REMOTE_IMAGES_CSP)."""
    return cast(View, csp_update(REMOTE_IMAGES_CSP)(view))


def shown_message(raw: str | None) -> int | None:
    """The message whose images the reader chose to show (``?images=<id>``), if any."""
    return int(raw) if raw and raw.isdigit() else None
