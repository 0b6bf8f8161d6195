"""One HTTP POST to a receiver at a pinned address (``guard.resolve``): no redirects
followed, nothing retried here (the outbox retries), a time limit for the whole exchange.

Connections are kept per (scheme, address, port, host) for the life of the worker, so a
busy endpoint is not re-dialled for every delivery; TLS checks the certificate against the
host named in the URL while connecting to the checked address."""

from __future__ import annotations

import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError

from psm.webhooks.guard import Target

KEEP_RESPONSE = 2000  # characters of the receiver's answer kept for the delivery log
MAX_POOLS = 64

_pools: OrderedDict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    response: str
    duration_ms: int
    location: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(target: Target, timeout: float) -> urllib3.HTTPConnectionPool:
    key = (target.scheme, target.address, target.port, target.host)
    with _lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        limit = urllib3.Timeout(total=timeout)
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                target.address,
                target.port,
                timeout=limit,
                maxsize=2,
                retries=False,
                server_hostname=target.host,
                assert_hostname=target.host,
                ssl_context=ssl.create_default_context(),
            )
        else:
            pool = urllib3.HTTPConnectionPool(
                target.address, target.port, timeout=limit, maxsize=2, retries=False
            )
        _pools[key] = pool
        while len(_pools) > MAX_POOLS:
            _key, old = _pools.popitem(last=False)
            old.close()
        return pool


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body``; never raises for what the network or the receiver does."""
    started = time.monotonic()
    deadline = started + timeout

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    all_headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "PSM-Webhooks/1",
        **headers,
    }
    try:
        response = _pool(target, timeout).urlopen(
            "POST",
            target.path,
            body=body,
            headers=all_headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
    except HTTPError as exc:
        return Outcome(None, _describe(exc), "", elapsed())
    try:
        chunks: list[bytes] = []
        size = 0
        while size < KEEP_RESPONSE * 4:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the answer took longer than {timeout:g} s")
            chunk = response.read(4096)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        else:
            response.close()  # a long answer: not read to its end, the connection is dropped
        text = b"".join(chunks).decode("utf-8", "replace")[:KEEP_RESPONSE]
    except (HTTPError, OSError) as exc:
        response.close()
        return Outcome(response.status, _describe(exc), "", elapsed())
    finally:
        response.release_conn()
    return Outcome(
        response.status, "", text, elapsed(), location=response.headers.get("Location", "")
    )


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = str(reason or exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]
