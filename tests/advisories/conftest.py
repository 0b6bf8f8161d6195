from __future__ import annotations

import pytest


@pytest.fixture
def run_tasks(settings):
    """Run enqueued tasks at once, so outbox e-mail lands in ``mailoutbox``."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }
