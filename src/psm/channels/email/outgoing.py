"""Mail PSM sends about a case: headers that thread on the client's side and back into PSM.

- ``Message-ID`` is derived from the notification's idempotency key, so a retried delivery is
  the same message to every mail system on the way;
- ``In-Reply-To``/``References`` name the case's earlier messages, so clients' mail programs
  thread the conversation;
- ``Reply-To`` is the case's own address (``acme+42@`` the mail domain): a reply lands on the
  case even if a mail program drops the threading headers;
- ``Auto-Submitted`` marks automatic mail (RFC 3834) and ``X-PSM-Loop`` lets the inbound
  pipeline recognise our own mail coming back.
"""

from __future__ import annotations

import hashlib
from email.utils import formataddr
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from psm.accounts.models import Account
    from psm.cases.models import Case

LOOP_HEADER = "X-PSM-Loop"
MESSAGE_ID_PREFIX = "psm."


def mail_domain() -> str:
    return str(settings.PSM_MAIL_DOMAIN).lower()


def account_address(account: Account) -> str:
    return f"{account.slug}@{mail_domain()}"


def case_address(case: Case) -> str:
    return f"{case.account.slug}+{case.number}@{mail_domain()}"


def message_id_for(key: str) -> str:
    """A Message-ID (without <>) that is a function of the idempotency key."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{MESSAGE_ID_PREFIX}{digest}@{mail_domain()}"


def is_our_message_id(message_id: str) -> bool:
    return message_id.lower().startswith(MESSAGE_ID_PREFIX) and message_id.lower().endswith(
        "@" + mail_domain()
    )


def case_headers(
    case: Case, *, key: str, sender_name: str, thread: list[str], automatic: str | None
) -> tuple[str, dict[str, str]]:
    """(message_id, headers) for a mail about ``case``; ``thread`` are earlier Message-IDs,
    oldest first; ``automatic`` is an RFC 3834 Auto-Submitted value or None for a person."""
    message_id = message_id_for(key)
    address = case_address(case)
    headers = {
        "Message-ID": f"<{message_id}>",
        "From": formataddr((f"{sender_name} ({case.account.name} support)", address)),
        "Reply-To": address,
        LOOP_HEADER: mail_domain(),
    }
    if thread:
        headers["In-Reply-To"] = f"<{thread[-1]}>"
        # The first message and the most recent ones: enough to thread, bounded in size.
        refs = thread if len(thread) <= 10 else [thread[0], *thread[-9:]]
        headers["References"] = " ".join(f"<{m}>" for m in refs)
    if automatic:
        headers["Auto-Submitted"] = automatic
        headers["X-Auto-Response-Suppress"] = "All"
        headers["Precedence"] = "bulk" if automatic == "auto-generated" else "auto_reply"
    return message_id, headers
