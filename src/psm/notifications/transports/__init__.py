"""One transport per kind of target, on the shared ``Transport`` base."""

from __future__ import annotations

from psm.notifications.transports.apprise import AppriseTransport
from psm.notifications.transports.base import Transport, TransportError
from psm.notifications.transports.email import EmailTransport

TRANSPORTS: dict[str, type[Transport]] = {
    "email": EmailTransport,
    "apprise": AppriseTransport,
}

__all__ = ["TRANSPORTS", "AppriseTransport", "EmailTransport", "Transport", "TransportError"]
