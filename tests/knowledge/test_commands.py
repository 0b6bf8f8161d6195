"""``psm knowledge import`` and ``export``: the exact contracts, and a bundle that opens
anywhere and holds nothing the client may not read."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from psm.knowledge import services
from psm.knowledge.models import Article, Status, Visibility
from psm.testing.book import Book
from psm.testing.knowledge import PNG, article

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write_docs(root: Path) -> Path:
    docs = root / "docs"
    (docs / "ops" / "img").mkdir(parents=True)
    (docs / "index.md").write_text(
        "---\ntitle: Start here\nvisibility: client\ntags: [intro]\n---\n"
        "Read [the backup guide](ops/backup.md#restore) and [notes](ops/notes.md).\n"
        "External: [IBM](https://www.ibm.com/).\n"
    )
    (docs / "ops" / "backup.md").write_text(
        "---\ntitle: Backup guide\nvisibility: client\ntags: backup, clearcase\n---\n"
        "# Backup\n\n![diagram](img/diagram.png)\n\n## Restore\n\nBack to [start](../index.md).\n"
    )
    (docs / "ops" / "img" / "diagram.png").write_bytes(PNG)
    (docs / "ops" / "notes.md").write_text(
        "---\ntitle: Internal notes\nvisibility: internal\n---\nThe root password is in the safe.\n"
    )
    return docs


def test_import_turns_relative_links_into_links_between_articles(book: Book, tmp_path) -> None:
    docs = write_docs(tmp_path)
    code, out, err = run("knowledge", "import", "acme", str(docs), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["created"] == 3 and report["rejected"] == []
    assert set(report) == {"created", "updated", "unchanged", "rejected", "articles"}
    start = Article.objects.get(account=book.a, slug="index")
    assert start.title == "Start here" and start.visibility == Visibility.CLIENT
    assert start.status == Status.PUBLISHED and start.tags == ["intro"]
    assert "(article:backup#restore)" in start.body and "(article:notes)" in start.body
    guide = Article.objects.get(account=book.a, slug="backup")
    assert guide.tags == ["backup", "clearcase"]
    assert "(files/diagram.png)" in guide.body and "(article:index)" in guide.body
    assert guide.files.get().name == "diagram.png"
    assert Article.objects.get(slug="notes").visibility == Visibility.INTERNAL
    # Again: nothing changed, nothing new.
    code, out, _ = run("knowledge", "import", "acme", str(docs), "--json")
    assert json.loads(out)["unchanged"] == 3
    assert Article.objects.get(pk=guide.pk).revision == 1


def test_import_rejects_bad_files_and_keeps_the_good(book: Book, tmp_path) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\ntext")
    (tmp_path / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\ntext")
    (tmp_path / "bad-vis.md").write_text("---\nvisibility: public\n---\ntext")
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    code, out, err = run("knowledge", "import", "--global", str(tmp_path), "nowhere.md")
    assert code == 1
    assert "created 1" in out
    assert "bad-yaml.md: the front matter is not valid YAML" in err
    assert "visibility is one of internal, client, not 'public'" in err
    assert "latin1.md: not UTF-8 text" in err
    assert "nowhere.md: no such file or folder" in err
    assert Article.objects.get().account is None


def test_import_needs_a_known_account(book: Book, tmp_path) -> None:
    with pytest.raises(CommandError, match="no account with slug 'nope'"):
        call_command("knowledge", "import", "nope", str(tmp_path))
    with pytest.raises(CommandError, match="name the account"):
        call_command("knowledge", "import", "acme")


def test_export_writes_a_bundle_that_holds_only_what_the_client_reads(book: Book, tmp_path) -> None:
    run("knowledge", "import", "acme", str(write_docs(tmp_path)))
    article(book.a, "Draft plan", "secret draft", status=Status.DRAFT)
    article(book.b, "Globex page", "not Acme's")
    article(None, "Global welcome", "For everyone. See [start](article:missing).", tags=())
    out = tmp_path / "site"
    code, text, _ = run("knowledge", "export", "acme", "--out", str(out))
    assert code == 0 and "3 article(s)" in text
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "assets/style.css",
        "backup.html",
        "files/backup/diagram.png",
        "global-welcome.html",
        "index-2.html",
        "index.html",
    ]
    everything = "".join(p.read_text(errors="replace") for p in out.rglob("*.html"))
    for secret in ("Internal notes", "root password", "secret draft", "Globex"):
        assert secret not in everything
    start = (out / "index-2.html").read_text()
    assert 'href="backup.html#restore"' in start
    assert ">notes</a>" in start and "notes.html" not in start  # internal: text only
    guide = (out / "backup.html").read_text()
    assert 'src="files/backup/diagram.png"' in guide and 'href="index-2.html"' in guide
    index = (out / "index.html").read_text()
    assert index.index("Backup") < index.index("Intro") < index.index("Other articles")
    for page in out.glob("*.html"):
        html = page.read_text()
        for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
            loads = f'src="{attr}"' in html or f'rel="stylesheet" href="{attr}"' in html
            if loads:
                assert "://" not in attr and not attr.startswith("/"), (page, attr)
        assert "<script" not in html
    # Again into the same folder: the earlier export is replaced.
    services.delete_article(None, Article.objects.get(slug="global-welcome"))
    run("knowledge", "export", "acme", "--out", str(out))
    assert not (out / "global-welcome.html").exists()


def test_export_as_zip_and_refuses_a_folder_of_something_else(book: Book, tmp_path) -> None:
    article(book.a, "Shown")
    code, text, _ = run("knowledge", "export", "acme", "--out", str(tmp_path / "z"), "--zip")
    assert code == 0 and "acme-knowledge.zip" in text
    archive = zipfile.ZipFile(tmp_path / "z" / "acme-knowledge.zip")
    assert "acme-knowledge/index.html" in archive.namelist()
    assert "acme-knowledge/shown.html" in archive.namelist()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        call_command("knowledge", "export", "acme", "--out", str(tmp_path / "busy"))
    with pytest.raises(CommandError, match="no account"):
        call_command("knowledge", "export", "nope", "--out", str(tmp_path / "x"))


def test_reindex_reports_the_count(book: Book) -> None:
    article(book.a)
    assert run("knowledge", "reindex")[1].strip() == "indexed 1 article(s)"
