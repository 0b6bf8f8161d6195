"""``psm serve`` killed outright (SIGKILL) takes its parts with it: gunicorn and its workers,
the background worker, the scheduler and the SMTP listener (issue 12). Real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from psm.testing.paging import free_port
from psm.testing.processes import psm_env

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="parent-death signals are Linux's"
)


def children_of(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc, no extra package)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent has not read its status


def command_lines(pids: list[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        lines.append(raw.replace(b"\0", b" ").decode(errors="replace").strip())
    return lines


def wait_for(check, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_sigkill_of_serve_takes_every_part_with_it(book, tmp_path) -> None:
    web, smtp = free_port(), free_port()
    env = psm_env(PSM_SMTPD_BIND=f"127.0.0.1:{smtp}", PSM_DATA_DIR=str(tmp_path))
    serve = subprocess.Popen(
        [sys.executable, "-m", "psm.cli", "serve", "--bind", f"127.0.0.1:{web}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parts: list[int] = []
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{web}/login/"), "the web server")
        wait_for(lambda: listens(smtp), "the SMTP listener")
        # gunicorn master and its 2 workers, the worker, the scheduler, smtpd.
        wait_for(lambda: len(children_of(serve.pid)) >= 6, "all parts to start")
        parts = children_of(serve.pid)
        started = " | ".join(command_lines(parts))
        for name in ("gunicorn", " worker", " scheduler", " smtpd"):
            assert name in started, started

        os.kill(serve.pid, signal.SIGKILL)
        serve.wait(timeout=10)

        def all_gone() -> bool:
            return not any(alive(pid) for pid in parts)

        try:
            wait_for(all_gone, "the parts to die with their parent", seconds=60)
        except AssertionError:
            left = command_lines([pid for pid in parts if alive(pid)])
            raise AssertionError(f"orphans left running: {left}") from None
        assert not listens(smtp) and not answers(f"http://127.0.0.1:{web}/login/")
    finally:
        for pid in [serve.pid, *children_of(serve.pid), *parts]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
