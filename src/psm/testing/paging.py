"""Test helpers: a foreign page for the URL isolation walk, a live site (gunicorn + worker)
and a fake paging provider, for the end-to-end test and the latency benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from psm.paging.models import Page


def foreign_page(book: Any) -> Page:
    """A page on account B (the foreign account of the isolation tests)."""
    from psm.paging import services

    existing = Page.objects.filter(account=book.b).first()
    return existing or services.page_psm(book.b, contact=book.contact_b, message="foreign")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveSite:
    """A real web server (gunicorn) and a real worker on the current database."""

    base_url: str
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_site(env: dict[str, str], worker_interval: str = "0.05", workers: int = 1) -> LiveSite:
    """Gunicorn on a free port plus ``workers`` ``psm worker`` processes, with ``env`` (which
    must name the database); returns once the server answers."""
    import urllib.request

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "PSM_BASE_URL": base}
    site = LiveSite(base)
    web = [sys.executable, "-m", "gunicorn", "psm.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    site.processes.append(
        subprocess.Popen(
            [*web, "--workers", "2", "--threads", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
    )
    for _ in range(workers):
        site.processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "psm.cli",
                    "worker",
                    "--no-reload",
                    "--no-startup-delay",
                    "--interval",
                    worker_interval,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/login/", timeout=2) as response:
                if response.status == 200:
                    return site
        except OSError:
            pass
        if time.monotonic() > deadline or site.processes[0].poll() is not None:
            site.stop()
            raise RuntimeError("the web server did not start")
        time.sleep(0.1)


@dataclass
class PagerInbox:
    """A fake paging provider on 127.0.0.1 for Apprise ``json://`` targets: records each
    notification with the instant it arrived, and lets a test wait for one."""

    server: ThreadingHTTPServer
    received: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def wait_for(self, path: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        """The bodies sent to ``/path`` once there are ``count`` of them."""

        def found() -> list[dict[str, Any]]:
            return [body for _, p, body in self.received if p == f"/{path}"]

        with self.arrived:
            if not self.arrived.wait_for(lambda: len(found()) >= count, timeout=timeout):
                raise TimeoutError(f"no notification for /{path} within {timeout} s")
            return found()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_inbox() -> PagerInbox:
    inbox: PagerInbox

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            at = time.perf_counter()
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"raw": raw.decode("utf-8", "replace")}
            body["_key"] = self.headers.get("X-Idempotency-Key", "")
            with inbox.arrived:
                inbox.received.append((at, self.path, body))
                inbox.arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    inbox = PagerInbox(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return inbox
