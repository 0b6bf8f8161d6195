"""The SMTP listener (``psm smtpd``): real SMTP on a port, one pipeline behind it.

RCPT TO is refused (550) for addresses that are not ours; DATA over ``PSM_MAIL_MAX_BYTES`` is
refused by aiosmtpd with 552; a message is answered 250 only after its raw bytes and row are
committed (store first), and a storage failure is answered 451 so the sender tries again.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import close_old_connections, connection

from psm.channels.email import services
from psm.channels.email.models import Source

log = logging.getLogger(__name__)


def _db(fn: Any, *args: Any, **kwargs: Any) -> Any:
    close_old_connections()
    return fn(*args, **kwargs)


class Handler:
    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self.executor = executor

    async def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: _db(fn, *args, **kwargs))

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            known = await self._run(services.recipient_known, address)
        except Exception:
            log.exception("recipient lookup failed for %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        try:
            row = await self._run(
                services.store,
                raw,
                source=Source.SMTP,
                envelope_from=envelope.mail_from or "",
                envelope_to=list(envelope.rcpt_tos),
            )
        except Exception:
            log.exception("could not store inbound mail")
            return "451 4.3.0 Could not store the message, try again later"
        # Stored and committed: from here on the message cannot be lost, whatever happens.
        await self._run(services.process, row)
        return "250 2.0.0 Message accepted"


def controller(host: str, port: int) -> Controller:
    workers = 1 if connection.vendor == "sqlite" else 4
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smtpd-db")
    return Controller(
        Handler(executor),
        hostname=host,
        port=port,
        data_size_limit=settings.PSM_MAIL_MAX_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="PSM",
    )


def parse_bind(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"{value!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)
