"""The SSRF guard: resolve a receiver's host once, refuse addresses inside the network
(loopback, private, link-local, IPv4-mapped, and anything else that is not globally
routable) unless ``PSM_WEBHOOKS_ALLOW_PRIVATE=1``, and hand back the address to connect to,
so the request goes to the address that was checked (no second lookup a DNS rebinding
could answer differently)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL may not be called; the message says why, for the delivery log and forms."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the TLS server name and the Host header)
    port: int
    path: str  # path and query
    address: str  # the checked address connected to

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def why_refused(ip: IP) -> str | None:
    """Why a webhook may not be sent to ``ip`` (None: a public address)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return "an IPv4-mapped address"
    if ip.is_unspecified:
        return "not a public address (unspecified)"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        return "not a public address"
    return None


def split(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a receiver URL, or ``Refused`` with the reason."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise Refused(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("only http:// and https:// URLs can receive webhooks")
    if not parts.hostname:
        raise Refused("the URL has no host")
    if parts.username or parts.password:
        raise Refused("put no user name or password in the URL; the signature authenticates")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def check_literal(url: str) -> None:
    """What a form can check without a lookup: the URL's shape and a literal address."""
    _scheme, host, _port, _path = split(url)
    if settings.PSM_WEBHOOKS_ALLOW_PRIVATE:
        return
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        raise Refused(f"{host} is a loopback address")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return
    reason = why_refused(ip)
    if reason:
        raise Refused(f"{host} is {reason}")


def resolve(url: str) -> Target:
    """Look the host up and pick the address to connect to; every address it resolves to
    must be allowed (a name that also points inside the network is refused)."""
    scheme, host, port, path = split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    addresses: list[IP] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise Refused(f"{host} has no address")
    if not settings.PSM_WEBHOOKS_ALLOW_PRIVATE:
        for ip in addresses:
            reason = why_refused(ip)
            if reason:
                raise Refused(f"{host} resolves to {ip}, {reason}")
    return Target(scheme, host, port, path, str(addresses[0]))
