"""Test helpers for operations: a private PSM_DATA_DIR, rewriting a backup's manifest."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def use_data_dir(settings: Any, root: Path) -> Path:
    """Point PSM_DATA_DIR (raw mail, stored files) at ``root`` for one test."""
    root.mkdir(parents=True, exist_ok=True)
    settings.DATA_DIR = root
    settings.MAIL_DIR = root / "mail"
    storages = dict(settings.STORAGES)
    storages["default"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": root / "files"},
    }
    settings.STORAGES = storages
    return root


def rewrite_manifest(archive: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of ``archive`` whose manifest went through ``change`` (to test refusals)."""
    target = archive.with_name("changed-" + archive.name)
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member)
            payload = data.read() if data else b""
            if member.name == "manifest.json":
                manifest = json.loads(payload)
                change(manifest)
                payload = json.dumps(manifest).encode()
                member.size = len(payload)
            out.addfile(member, io.BytesIO(payload))
    return target
