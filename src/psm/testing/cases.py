"""Helpers for tests elsewhere (e.g. the URL isolation walk): account B's case and file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from psm.cases import services
from psm.cases.models import Attachment, Case

if TYPE_CHECKING:
    from psm.testing.book import Book


def foreign_case(book: Book) -> Case:
    """A case on account B (globex), opened once per test database."""
    existing = Case.objects.filter(account=book.b).first()
    if existing is not None:
        return existing
    return services.open_case(
        None,
        book.b,
        title=f"{book.b.name} secret problem",
        text="Confidential",
        contact=book.contact_b,
        attachments=[services.NewAttachment("secret.txt", b"globex secret")],
    )


def foreign_attachment(book: Book) -> Attachment:
    return Attachment.objects.filter(message__case=foreign_case(book)).get()
