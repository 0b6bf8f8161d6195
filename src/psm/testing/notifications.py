"""A fake notification provider for tests: an HTTP server on 127.0.0.1 that Apprise
``json://`` / ``form://`` URLs can point at. It de-duplicates on ``X-Idempotency-Key`` the way
a real provider with an idempotency key does, and can fail or hang on request."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    key: str
    body: dict[str, Any]


@dataclass
class FakeProvider:
    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    fail_next: int = 0
    hang_next: int = 0
    first_request: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "notify", scheme: str = "json") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start() -> FakeProvider:
    provider: FakeProvider

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"raw": raw.decode("utf-8", "replace")}
            key = self.headers.get("X-Idempotency-Key", "")
            with provider.lock:
                provider.requests.append(Received(self.path, key, body))
                fail = provider.fail_next > 0
                provider.fail_next -= fail
                hang = provider.hang_next > 0
                provider.hang_next -= hang
                # A provider with idempotency keys processes each key once.
                if not fail and key not in provider.accepted:
                    provider.accepted[key] += 1
            provider.first_request.set()
            if hang:
                provider.release.wait(timeout=120)
            self.send_response(500 if fail else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            with contextlib.suppress(OSError):  # the sender may be dead by now
                self.wfile.write(b'{"ok": true}')

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider = FakeProvider(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return provider
