"""gunicorn settings for PSM's web processes: ``gunicorn -c python:psm.ops.gunicorn ...``.

Prometheus multiprocess mode: every worker writes its metrics to files in
``PROMETHEUS_MULTIPROC_DIR`` (default ``PSM_DATA_DIR/prometheus/<master pid>``) and
``/metrics``, whichever worker answers it, adds them up. The directory is emptied when the
master starts and a dead worker's gauges are dropped. (No Django import here: this module is
read by the gunicorn master before the application is loaded.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

_ROOT = Path(os.environ.get("PSM_DATA_DIR", Path.cwd() / "var")).resolve() / "prometheus"
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_ROOT / str(os.getpid()))
_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server: Any) -> None:
    shutil.rmtree(_DIR, ignore_errors=True)
    _DIR.mkdir(parents=True, exist_ok=True)
    # Directories of masters that are gone (a crash, a reboot) are left-overs.
    if _DIR.parent == _ROOT:
        for other in _ROOT.iterdir():
            if other.name.isdigit() and other != _DIR and not _alive(int(other.name)):
                shutil.rmtree(other, ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    shutil.rmtree(_DIR, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
