from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from psm.notifications.models import Notification


class TransportError(Exception):
    """A delivery attempt failed. ``permanent`` means retrying cannot help (a malformed
    address, a URL no plugin understands); otherwise the outbox retries with backoff."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Transport:
    def __init__(self, notification: Notification) -> None:
        self.notification = notification

    def send(self) -> None:
        raise NotImplementedError
