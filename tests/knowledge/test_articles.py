"""Articles: Markdown rendered safely, every save a revision, diffs and restores, files."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from psm.audit.models import AuditEntry
from psm.knowledge import services
from psm.knowledge.models import Article, Revision, Status, Visibility
from psm.knowledge.render import Links, plain_text, render
from psm.testing.book import Book
from psm.testing.knowledge import PNG, article


def test_markdown_is_rendered_without_raw_html() -> None:
    html = render("# Title\n\n<script>alert(1)</script>\n\n**bold** <b>raw</b>").html
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_a_javascript_link_loses_its_address() -> None:
    html = render("[click](javascript:alert(1)) [ok](https://example.com/x)").html
    assert 'href="javascript' not in html  # left as text, never a link
    assert 'href="https://example.com/x"' in html
    assert 'rel="noopener noreferrer"' in html


def test_tables_and_strikethrough_render() -> None:
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~").html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<s>old</s>" in html or "<del>old</del>" in html


def test_links_to_articles_and_files_are_resolved_by_the_page_that_shows_them() -> None:
    links = Links(
        article=lambda slug: f"/kb/{slug}/" if slug == "known" else None,
        file=lambda name: f"/files/{name}" if name == "a.png" else None,
    )
    out = render(
        "[yes](article:known#step-2) [no](article:draft) ![pic](files/a.png) ![gone](files/b.png)",
        links,
    )
    assert 'href="/kb/known/#step-2"' in out.html
    assert "draft" not in out.html and ">no</a>" in out.html
    assert 'src="/files/a.png"' in out.html
    assert "[image: gone]" in out.html
    assert out.articles == ["known", "draft"]
    assert out.files == ["a.png", "b.png"]


def test_remote_images_become_links_when_nothing_may_load_from_another_host() -> None:
    out = render("![logo](https://cdn.example.com/logo.png)", Links(remote_images=False))
    assert "<img" not in out.html
    assert 'href="https://cdn.example.com/logo.png"' in out.html


def test_plain_text_is_what_a_reader_sees() -> None:
    assert plain_text("# Backup\n\nRun `mkview` **now**.\n\n- one\n- two") == (
        "Backup Run mkview now. one two"
    )


def test_every_save_is_a_revision_and_an_unchanged_save_is_none(book: Book) -> None:
    a = article(book.a, actor=book.alice, status=Status.DRAFT)
    assert a.revision == 1 and a.slug == "restoring-a-vob-from-backup"
    a = services.save_article(
        book.alice, a, title=a.title, body=a.body + "\n\nThen check.", tags=a.tags,
        visibility=a.visibility, status=Status.PUBLISHED,
    )  # fmt: skip
    assert a.revision == 2 and a.published_at is not None
    audits = AuditEntry.objects.count()
    same = services.save_article(
        book.alice, a, title=a.title, body=a.body, tags=list(a.tags),
        visibility=a.visibility, status=a.status,
    )  # fmt: skip
    assert same.revision == 2
    assert AuditEntry.objects.count() == audits
    assert list(a.revisions.values_list("number", flat=True)) == [2, 1]


def test_a_revision_can_be_compared_with_any_other_and_restored(book: Book) -> None:
    a = article(book.a, body="line one\nline two", tags="backup")
    services.save_article(
        None, a, title="Restoring a VOB", body="line one\nline 2", tags="backup, vob",
        visibility=Visibility.INTERNAL, status=Status.PUBLISHED,
    )  # fmt: skip
    r1, r2 = Revision.objects.get(article=a, number=1), Revision.objects.get(article=a, number=2)
    lines = services.compare(r1, r2)
    assert ("del", "line two") in [(x.kind, x.text) for x in lines]
    assert ("add", "line 2") in [(x.kind, x.text) for x in lines]
    assert ("add", "Tags: backup, vob") in [(x.kind, x.text) for x in lines]
    assert ("add", "Visibility: internal") in [(x.kind, x.text) for x in lines]
    restored = services.restore(book.alice, Article.objects.get(pk=a.pk), 1)
    assert restored.revision == 3
    assert restored.body == "line one\nline two" and restored.visibility == Visibility.CLIENT
    assert restored.revisions.get(number=3).note == "Restored revision 1"
    with pytest.raises(ValidationError):
        services.restore(book.alice, restored, 9)


def test_slugs_are_unique_per_account_and_among_global_articles(book: Book) -> None:
    assert article(book.a, "Backup").slug == "backup"
    assert article(book.a, "Backup").slug == "backup-2"
    assert article(book.b, "Backup").slug == "backup"
    assert article(None, "Backup").slug == "backup"
    assert article(None, "Backup").slug == "backup-2"


def test_a_title_is_required_and_choices_are_checked(book: Book) -> None:
    with pytest.raises(ValidationError):
        article(book.a, "   ")
    with pytest.raises(ValidationError):
        article(book.a, "x", visibility="public")


def test_tags_are_cleaned() -> None:
    assert services.clean_tags("Backup, restore ;  Backup,,") == ["backup", "restore"]
    assert services.clean_tags(["  Two  Words "]) == ["two words"]


def test_files_get_clean_names_and_svg_is_never_an_image(book: Book) -> None:
    a = article(book.a)
    png = services.add_file(book.alice, a, "../../Diagram 1.PNG", PNG, "")
    assert png.name == "diagram-1.png" and png.content_type == "image/png" and png.is_image
    svg = services.add_file(book.alice, a, "x.svg", b"<svg/>", "image/svg+xml")
    assert svg.content_type == "application/octet-stream" and not svg.is_image
    again = services.add_file(book.alice, a, "diagram 1.png", PNG + b"x", "image/png")
    assert again.pk == png.pk and again.size == len(PNG) + 1
    with pytest.raises(ValidationError):
        services.add_file(book.alice, a, "big.bin", b"0" * (services.MAX_FILE_BYTES + 1))


def test_a_client_answer_replaces_their_earlier_one(book: Book) -> None:
    a = article(book.a)
    services.answer(a, book.client_a, book.contact_a, helpful=False, comment="Step 3 fails")
    services.answer(a, book.client_a, book.contact_a, helpful=True)
    assert services.feedback_summary(a).helpful == 1
    assert services.feedback_summary(a).total == 1
    draft = article(book.a, "Draft", status=Status.DRAFT)
    with pytest.raises(ValidationError):
        services.answer(draft, book.client_a, book.contact_a, helpful=True)
