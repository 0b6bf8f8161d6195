"""Search on both databases: ranked, highlighted, scoped, and never an error for odd input."""

from __future__ import annotations

import pytest
from django.db import connection

from psm.knowledge import search
from psm.knowledge.models import Article, Status, Visibility
from psm.testing.book import Book
from psm.testing.knowledge import article


def test_what_people_type_becomes_quoted_terms() -> None:
    assert search.fts_query('"foo AND') == '("foo AND")'
    assert search.fts_query("backup restore") == '("backup") AND ("restore")'
    assert search.fts_query("backup or restore -tape") == ('(("backup" OR "restore")) NOT "tape"')
    assert search.fts_query('"full backup" NEAR(x') == '("full backup") AND ("NEAR x")'
    assert search.fts_query("* ( ) : ^ -") is None
    assert search.fts_query("-tape") is None


@pytest.fixture
def library(book: Book) -> dict[str, Article]:
    return {
        "title": article(book.a, "Backup of the VOB server", "How we do it.", tags="vob"),
        "body": article(book.a, "Server notes", "The nightly backup runs at 02:00."),
        "draft": article(book.a, "Backup draft", "backup", status=Status.DRAFT),
        "internal": article(book.a, "Backup secrets", "backup", visibility=Visibility.INTERNAL),
        "global": article(None, "Backup basics", "What a backup is."),
        "other": article(book.b, "Globex backup", "backup at Globex"),
        "cafe": article(book.a, "Café network", "The café's Wi-Fi is slow.", tags=()),
    }


def test_the_title_match_ranks_first_with_highlights(book: Book, library) -> None:
    results = search.search(Article.objects.filter(account=book.a), "backup")
    titles = [h.article.title for h in results.hits]
    assert titles[0] in ("Backup of the VOB server", "Backup draft", "Backup secrets")
    assert "Server notes" in titles
    assert titles.index("Server notes") > titles.index("Backup of the VOB server")
    notes = next(h for h in results.hits if h.article.title == "Server notes")
    assert "<mark>backup</mark>" in notes.snippet_html
    first = next(h for h in results.hits if h.article.title == "Backup of the VOB server")
    assert "<mark>Backup</mark>" in first.title_html
    assert results.total == 4


def test_a_client_search_finds_only_what_the_client_may_read(book: Book, library) -> None:
    results = search.search(Article.objects.for_client(book.a.pk), "backup")
    assert {h.article.title for h in results.hits} == {
        "Backup of the VOB server",
        "Server notes",
        "Backup basics",
    }


@pytest.mark.parametrize(
    "typed", ['"foo AND', "backup AND", "NEAR(", "'; DROP TABLE x; --", "*", '"', "a:b", "-"]
)
def test_odd_input_never_fails(book: Book, library, typed: str) -> None:
    search.search(Article.objects.all(), typed)  # no exception


def test_snippets_escape_what_the_article_holds(book: Book) -> None:
    article(book.a, "Markup", "Type `<script>alert(1)</script>` before the backup step.")
    hit = search.search(Article.objects.all(), "backup").hits[0]
    assert "<script>" not in hit.snippet_html
    assert "alert(1)" in hit.snippet_html


def test_an_edit_is_found_by_its_new_words_only(book: Book) -> None:
    from psm.knowledge import services

    a = article(book.a, "Plain", "apples")
    services.save_article(
        None, a, title="Plain", body="oranges", tags=[], visibility=a.visibility, status=a.status
    )
    assert search.search(Article.objects.all(), "apples").total == 0
    assert search.search(Article.objects.all(), "oranges").total == 1


def test_a_deleted_article_leaves_the_index(book: Book) -> None:
    from psm.knowledge import services

    a = article(book.a, "Gone", "ephemeral")
    services.delete_article(None, a)
    assert search.search(Article.objects.all(), "ephemeral").total == 0
    article(book.b, "Cascade", "cascaded")
    book.b.delete()
    assert search.search(Article.objects.all(), "cascaded").total == 0


def test_reindex_rebuilds_the_whole_index(book: Book, library) -> None:
    assert search.reindex() == 7
    assert search.search(Article.objects.all(), "backup").total == 6


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 folds diacritics")
def test_diacritics_do_not_matter_on_sqlite(book: Book, library) -> None:
    assert search.search(Article.objects.all(), "cafe").total == 1
    assert search.search(Article.objects.all(), "CAFÉ").total == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="websearch_to_tsquery")
def test_postgres_stems_and_reads_websearch_syntax(book: Book, library) -> None:
    assert search.search(Article.objects.all(), "backups").total == 6
    assert search.search(Article.objects.all(), "backup -globex").total == 5
    assert search.search(Article.objects.all(), '"nightly backup"').total == 1
