"""``{% message_body m images %}``: a message's text or HTML, remote images held back unless
the reader chose to show them for this message (``psm.cases.mailhtml``)."""

from __future__ import annotations

from typing import Any

from django import template

from psm.cases.mailhtml import display
from psm.cases.models import Message

register = template.Library()


@register.inclusion_tag("cases/_message_body.html")
def message_body(message: Message, shown: int | None = None) -> dict[str, Any]:
    body = display(message.html, show_images=shown == message.pk) if message.html else None
    return {"message": message, "body": body}
