"""Test helpers other apps' tests use (the URL isolation walk)."""

from __future__ import annotations

from typing import Any

from psm.paging.models import Page


def foreign_page(book: Any) -> Page:
    """A page on account B (the foreign account of the isolation tests)."""
    from psm.paging import services

    existing = Page.objects.filter(account=book.b).first()
    return existing or services.page_psm(book.b, contact=book.contact_b, message="foreign")
