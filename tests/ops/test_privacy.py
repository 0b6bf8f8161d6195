"""psm privacy export / erase: everything held about a person, then anonymised with the
cases left readable and the erasure audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from psm.accounts import services as account_services
from psm.accounts.models import Contact
from psm.audit.models import AuditEntry
from psm.cases import services as case_services
from psm.cases.models import Case, Message
from psm.channels.email import services as pipeline
from psm.channels.email.models import InboundMessage, Source
from psm.notifications.models import Notification
from psm.paging import services as paging
from psm.testing.book import Book
from psm.testing.ops import use_data_dir

pytestmark = pytest.mark.django_db

MAIL = (
    b"From: Alma Client <alma@acme.example>\r\nTo: acme@psm.localhost\r\n"
    b"Subject: Licence server down\r\nMessage-ID: <lic-1@acme.example>\r\n\r\n"
    b"The licence server is down. Call me on +1 617 555 0100. -- Alma Client\r\n"
)


@pytest.fixture
def history(book: Book, settings: Any, tmp_path: Path) -> Case:
    use_data_dir(settings, tmp_path / "data")
    account_services.update_contact(
        book.alice, book.contact_a, emails=["alma@acme.example"], phone="+1 617 555 0100"
    )
    stored = pipeline.store(
        MAIL,
        source=Source.SMTP,
        envelope_from="alma@acme.example",
        envelope_to=["acme@psm.localhost"],
    )
    message = pipeline.process(stored)
    case = message.case
    assert case is not None and case.contact == book.contact_a, (message.state, message.reason)
    case_services.reply(
        book.alice,
        case,
        text="Hello Alma Client, we are on it.",
        attachments=[case_services.NewAttachment("steps.txt", b"restart lmgrd")],
    )
    paging.page_psm(book.a, contact=book.contact_a, message="Alma Client: server down")
    return case


def test_export_writes_everything_held(book: Book, history: Case, tmp_path: Path) -> None:
    out = tmp_path / "export"
    call_command("privacy", "export", "alma@acme.example", "--out", str(out))
    data = json.loads((out / "data.json").read_text())
    assert data["contact"]["name"] == "Alma Client"
    assert data["emails"] == ["alma@acme.example"]
    assert data["user"]["username"] == "client_a"
    assert data["user"]["password"] == "[withheld]"
    assert [c["reference"] for c in data["cases"]] == [history.reference]
    texts = [m["text"] for m in data["messages"]]
    assert any("licence server is down" in t for t in texts)
    assert any("we are on it" in t for t in texts)
    assert "paging.page" in data["related"]
    assert len(data["inbound_mail"]) == 1
    assert (out / data["inbound_mail"][0]["file"]).read_bytes() == MAIL
    assert (out / data["files"][0]["path"]).read_bytes() == b"restart lmgrd"
    # The page e-mailed to her PSM names her: it is data about her too.
    assert any("Alma Client" in n["body"] for n in data["notifications"])
    assert data["audit"]


def test_erase_anonymises_and_keeps_the_case_readable(book: Book, history: Case) -> None:
    call_command("privacy", "erase", str(book.contact_a.pk), "--yes")
    contact = Contact.objects.get(pk=book.contact_a.pk)
    assert contact.name == f"Erased contact {contact.pk}"
    assert not contact.emails.exists() and contact.phone == "" and contact.user is None
    user = type(book.client_a).objects.get(pk=book.client_a.pk)
    assert user.username == f"erased-{user.pk}" and not user.is_active
    assert not user.has_usable_password()
    refused = Client().post("/login/", {"username": "client_a", "password": "password"})
    assert refused.status_code == 200 and "didn't match" in refused.content.decode()

    case = Case.objects.get(pk=history.pk)
    texts = list(Message.objects.filter(case=case).values_list("text", flat=True))
    assert len(texts) == 2
    joined = " ".join(texts)
    assert "licence server is down" in joined and "we are on it" in joined
    for secret in ("Alma Client", "alma@acme.example", "617 555 0100"):
        assert secret not in joined
        assert (
            secret.lower()
            not in json.dumps(list(AuditEntry.objects.values("object_repr", "changes"))).lower()
        )
    assert "[erased]" in joined
    inbound = InboundMessage.objects.get()
    assert inbound.from_address == "" and b"Alma" not in inbound.raw()
    for page in case.account.pages.all():
        assert "Alma" not in page.message
    for notification in Notification.objects.all():
        assert "alma@acme.example" not in notification.recipient
        assert "Alma Client" not in notification.body
    entry = AuditEntry.objects.get(action="privacy.erase")
    assert entry.object_id == str(contact.pk) and entry.changes["mail"] == 1
    # Account B's contact is untouched.
    assert Contact.objects.get(pk=book.contact_b.pk).name == "Bert Client"


def test_an_unknown_contact_is_a_clear_error(book: Book) -> None:
    with pytest.raises(CommandError, match="no contact with id or e-mail address") as error:
        call_command("privacy", "export", "nobody@example.com")
    assert error.value.returncode == 2
