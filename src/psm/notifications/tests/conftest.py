from __future__ import annotations

from collections.abc import Iterator

import pytest

from psm.notifications.testing import FakeProvider, start


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = start()
    yield fake
    fake.close()
