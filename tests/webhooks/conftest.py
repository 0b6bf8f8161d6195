from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from psm.testing.webhooks import Receiver, start_receiver


@pytest.fixture(autouse=True)
def receivers_on_this_machine(settings: Any) -> None:
    """The receiver runs on 127.0.0.1, which the SSRF guard refuses unless allowed."""
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    fake = start_receiver()
    yield fake
    fake.close()
