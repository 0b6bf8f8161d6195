"""``psm serve``: the whole product on one machine (web, worker, scheduler, SMTP listener).

The parts die with it, however it ends: on SIGTERM or Ctrl-C it stops them; if it is killed
outright (SIGKILL, the OOM killer) each part gets SIGTERM from the kernel, because every part
is started with ``PR_SET_PDEATHSIG`` (Linux), and gunicorn stops its own workers in turn. No
part is left running against the database without its siblings.

In production run each part as its own process instead (see README "Deployment").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGTERM when ``parent`` dies (Linux's
    parent-death signal), and exit at once if the parent is already gone (it could die
    between ``fork`` and ``prctl``). None where the kernel has no such thing."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)

    def arm() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            os._exit(70)  # cannot promise to die with the parent: do not start at all
        if os.getppid() != parent:
            os._exit(0)

    return arm


class Command(BaseCommand):
    help = "Serve web + worker + scheduler together (the embedded single-machine set-up)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--workers", type=int, default=1, help="Background workers.")
        parser.add_argument(
            "--no-smtpd", action="store_true", help="Do not run the SMTP listener (psm smtpd)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        psm = [sys.executable, "-m", "psm.cli"]
        commands = [
            [
                sys.executable,
                "-m",
                "gunicorn",
                "psm.wsgi:application",
                "--config",
                "python:psm.ops.gunicorn",
                "--bind",
                options["bind"],
                "--workers",
                str(options["web_workers"]),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            *(
                [*psm, "worker", "--no-reload", "--interval", "0.2"]
                for _ in range(options["workers"])
            ),
            [*psm, "scheduler"],
            *([] if options["no_smtpd"] else [[*psm, "smtpd"]]),
        ]
        arm = die_with(os.getpid())
        children = [
            subprocess.Popen(cmd, env=os.environ.copy(), preexec_fn=arm) for cmd in commands
        ]
        self.stdout.write(f"PSM serving on http://{options['bind']} (Ctrl-C to stop)")

        def stop(*_: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            # If any part dies, stop the rest: a half-running product is worse than none.
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
