"""What makes PSM's own mail recognisable: a Message-ID that is a function of the
notification's idempotency key, and a loop header.

The outbox's e-mail transport sets both on every message it sends, whoever wrote the row
(cases, paging, engagement, reports…). So a delivery retried after a crash is the same
message to every mail system on the way, and the inbound pipeline recognises our own mail
coming back (``is_our_message_id``, ``LOOP_HEADER``) and threads replies to it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings

LOOP_HEADER = "X-PSM-Loop"
MESSAGE_ID_PREFIX = "psm."


def mail_domain() -> str:
    return str(settings.PSM_MAIL_DOMAIN).lower()


def message_id_for(key: str) -> str:
    """The Message-ID (without <>) of the notification with idempotency key ``key``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{MESSAGE_ID_PREFIX}{digest}@{mail_domain()}"


def is_our_message_id(message_id: str) -> bool:
    lowered = message_id.strip().strip("<>").lower()
    return lowered.startswith(MESSAGE_ID_PREFIX) and lowered.endswith("@" + mail_domain())
