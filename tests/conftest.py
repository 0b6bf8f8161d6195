from __future__ import annotations

import pytest

from psm.testing.book import Book, make_book


@pytest.fixture
def book(db: None) -> Book:
    return make_book()
