from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    """Evidence files in a folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
    }
    return tmp_path / "files"


@pytest.fixture
def run_tasks(settings):
    """Run enqueued tasks at once, so outbox e-mail lands in ``mailoutbox``."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }
