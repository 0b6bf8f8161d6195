"""Models of the channels app, one module per channel."""

from psm.channels.email.models import InboundMessage, MailAlias, Source, State

__all__ = ["InboundMessage", "MailAlias", "Source", "State"]
