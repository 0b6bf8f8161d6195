from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from psm.testing.factories import ContactFactory

# Tuesday 10 March 2026, 10:30 in New York: within Acme's business hours.
NOW = datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def mailbook(book, settings, tmp_path):
    """The book plus a second Acme contact; raw mail goes to a fresh directory."""
    settings.MAIL_DIR = tmp_path / "mail"
    ContactFactory(account=book.a, name="André Dupré", email="andre@acme.example")
    with time_machine.travel(NOW, tick=False):
        yield book
