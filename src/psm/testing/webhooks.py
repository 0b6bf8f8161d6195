"""Test helpers for outgoing webhooks: a real HTTP receiver on 127.0.0.1 that keeps every
request (headers and raw body) and answers as told (a status, a redirect, a hang), and
account B's endpoint and delivery for the URL isolation walk."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from psm.testing.book import Book
from psm.webhooks import services
from psm.webhooks.catalog import EVENTS
from psm.webhooks.models import Delivery, Endpoint


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """``answers``: statuses to give, one per request, then 200 (``(302, "/elsewhere")`` for
    a redirect); ``hang_next``: requests kept waiting until ``release`` is set."""

    server: ThreadingHTTPServer
    requests: list[Request] = field(default_factory=list)
    answers: deque[int | tuple[int, str]] = field(default_factory=deque)
    hang_next: int = 0
    first_request: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do
        # Headers and body are two writes: without this, Nagle's algorithm holds the body
        # back until the sender's delayed ACK (40 ms per request).
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.requests.append(Request(self.path, headers, raw))
                answer = receiver.answers.popleft() if receiver.answers else 200
                hang = receiver.hang_next > 0
                receiver.hang_next -= hang
            receiver.first_request.set()
            if hang:
                receiver.release.wait(timeout=120)
            status, location = answer if isinstance(answer, tuple) else (answer, "")
            payload = b'{"ok": true}' if status < 300 else b'{"error": "no"}'
            with contextlib.suppress(OSError):  # the sender may be dead by now
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


def make_endpoint(
    url: str, *, account: Any = None, events: list[str] | None = None, actor: Any = None
) -> Endpoint:
    spec = services.EndpointSpec(url=url, events=events or list(EVENTS), account=account)
    return services.create_endpoint(actor, spec)


def foreign_endpoint(book: Book) -> Endpoint:
    """Account B's endpoint (an address that is never called in the walk)."""
    existing = Endpoint.objects.filter(account=book.b).first()
    return existing or make_endpoint(
        "https://hooks.globex.example/psm", account=book.b, events=["case.created"]
    )


def foreign_delivery(book: Book) -> Delivery:
    endpoint = foreign_endpoint(book)
    existing = endpoint.deliveries.first()
    return existing or services.send_test(None, endpoint)
