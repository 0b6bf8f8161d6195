from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from psm.notifications.transports.base import Transport, TransportError

# Apprise schemes that speak plain HTTP(S) and accept "+Header=value" custom headers.
_HEADER_SCHEMES = {"json", "jsons", "form", "forms", "xml", "xmls"}


def with_idempotency_key(url: str, key: str) -> str:
    """Add the key as an ``X-Idempotency-Key`` header where the scheme supports headers."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in _HEADER_SCHEMES:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}+X-Idempotency-Key={quote(key, safe='')}"


class AppriseTransport(Transport):
    """Pager, SMS, chat and push targets through Apprise URLs (stored encrypted)."""

    def send(self) -> None:
        import apprise  # here: it loads its plugins, which every command would wait for

        n = self.notification
        url = n.target
        if not url:
            raise TransportError("no target URL", permanent=True)
        notifier = apprise.Apprise()
        if not notifier.add(with_idempotency_key(url, n.key)):
            scheme = urlsplit(url).scheme or "?"
            raise TransportError(f"Apprise cannot use a {scheme}:// URL", permanent=True)
        with apprise.LogCapture(level=logging.WARNING) as log:  # type: ignore[no-untyped-call]
            ok = notifier.notify(title=n.subject, body=n.body)
            details = log.getvalue().strip() if hasattr(log, "getvalue") else ""
        if not ok:
            last = details.splitlines()[-1] if details else "the provider did not accept it"
            raise TransportError(f"{urlsplit(url).scheme}:// delivery failed: {last}")
