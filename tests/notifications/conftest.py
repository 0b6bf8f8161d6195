from __future__ import annotations

from collections.abc import Iterator

import pytest

from psm.testing.notifications import FakeProvider, start


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = start()
    yield fake
    fake.close()
