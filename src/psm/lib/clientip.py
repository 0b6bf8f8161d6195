"""The client's address, as far as it can be trusted.

Behind ``PSM_TRUSTED_PROXIES`` reverse proxies, each proxy appends the address it received
the request from to ``X-Forwarded-For``. The client is therefore the N-th entry from the
right; anything further left was written by the client itself and is ignored, so a forged
header can neither blame another address (and lock it out) nor escape a lockout by changing
its address. With 0 trusted proxies the header is ignored and ``REMOTE_ADDR`` is the client.
The count must match the deployment: PSM must be reachable only through those proxies.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def forwarded_client(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The client address given the socket peer, the X-Forwarded-For header and the count."""
    if trusted_proxies <= 0:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    # Fewer entries than proxies: the leftmost is still one a trusted proxy wrote.
    candidate = hops[-trusted_proxies] if len(hops) >= trusted_proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def client_ip(request: HttpRequest) -> str:
    return forwarded_client(
        request.META.get("REMOTE_ADDR", "") or "",
        request.META.get("HTTP_X_FORWARDED_FOR", "") or "",
        int(getattr(settings, "PSM_TRUSTED_PROXIES", 0)),
    )
