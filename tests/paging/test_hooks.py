"""An engineer's reply to a page e-mail acknowledges the page: the mail pipeline's rules
classify it (``rules.classify``), like every other inbound message."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
import time_machine

from psm.channels.email.models import State
from psm.channels.email.services import ingest
from psm.paging import services
from psm.paging.models import PageStatus

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def page(book, settings, tmp_path):
    settings.MAIL_DIR = tmp_path / "mail"
    with time_machine.travel(AT, tick=False):
        yield services.page_psm(book.a, contact=book.contact_a, at=AT)


def reply(sender: str, subject: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "psm@psm.localhost"
    mail["Subject"] = subject
    mail.set_content("On it.")
    return mail.as_bytes()


def test_a_reply_to_the_page_email_acknowledges(book, page) -> None:
    row = ingest(reply("ALICE@psm.test", f"Re: [PAGE #{page.pk}] P1 Acme"), source="import")
    assert (row.state, row.reason) == (State.THREADED, f"acknowledges page #{page.pk}")
    page.refresh_from_db()
    assert (page.status, page.ack_via, page.acknowledged_by) == (
        PageStatus.ACKNOWLEDGED, "reply", book.alice,
    )  # fmt: skip
    again = ingest(reply("alice@psm.test", f"Re: [PAGE #{page.pk}] again"), source="import")
    assert again.state == State.THREADED
    assert again.reason == f"page #{page.pk} was already acknowledged"


def test_only_an_engineer_who_may_acknowledge_does(book, page) -> None:
    stranger = ingest(reply("someone@else.example", f"Re: [PAGE #{page.pk}]"), source="import")
    assert stranger.state == State.QUARANTINED
    # Dana works for the provider but neither covers Acme nor is in the page's chain.
    dana = ingest(reply("dana@psm.test", f"Re: [PAGE #{page.pk}]"), source="import")
    assert dana.state == State.QUARANTINED
    unrelated = ingest(reply("alice@psm.test", "Re: hello"), source="import")
    assert unrelated.state == State.QUARANTINED
    page.refresh_from_db()
    assert page.status == PageStatus.OPEN
