"""Backup and restore round trip on the database the suite runs on (SQLite or PostgreSQL):
back up, change rows and files, restore, and find the counts and hashes of the backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from psm.accounts.models import Contact
from psm.cases import services as case_services
from psm.cases.models import Attachment, Case
from psm.channels.email import services as pipeline
from psm.channels.email.models import InboundMessage, Source
from psm.ops.backup import BackupError, backup, check, compare, restore
from psm.testing.book import make_book
from psm.testing.ops import rewrite_manifest, use_data_dir

pytestmark = pytest.mark.django_db(transaction=True)

MAIL = (
    b"From: alma@acme.example\r\nTo: acme@psm.localhost\r\nSubject: Disk full\r\n"
    b"Message-ID: <1@acme>\r\n\r\nHelp.\r\n"
)


@pytest.fixture
def data(settings: Any, tmp_path: Path) -> Path:
    return use_data_dir(settings, tmp_path / "data")


def test_round_trip(data: Path, tmp_path: Path) -> None:
    book = make_book()
    case = case_services.open_case(
        None,
        book.a,
        title="Backup me",
        contact=book.contact_a,
        attachments=[case_services.NewAttachment("log.txt", b"original log")],
    )
    pipeline.store(MAIL, source=Source.SMTP)
    archive = tmp_path / "psm.tar.gz"
    made = backup(archive)
    assert made.manifest.engine == connection.vendor
    assert made.manifest.tables["cases_case"] == 1
    assert any(rel.startswith("mail/") for rel in made.manifest.files)
    assert any(rel.startswith("files/attachments/") for rel in made.manifest.files)
    assert compare(made.manifest) == []

    # Change everything: rows added, removed and edited; a file edited, one added.
    case_services.open_case(None, book.a, title="After the backup", contact=book.contact_a)
    Contact.objects.filter(pk=book.contact_b.pk).delete()
    Case.objects.filter(pk=case.pk).update(title="Edited")
    attachment = Attachment.objects.get()
    Path(attachment.file.path).write_bytes(b"tampered")
    (data / "mail" / "stray.eml").write_bytes(b"not in the backup")
    assert compare(made.manifest)

    done = restore(archive)
    assert done.problems == []
    assert compare(made.manifest) == []
    assert Case.objects.count() == 1
    assert Case.objects.get().title == "Backup me"
    assert Contact.objects.filter(pk=book.contact_b.pk).exists()
    assert Path(Attachment.objects.get().file.path).read_bytes() == b"original log"
    assert not (data / "mail" / "stray.eml").exists()
    assert InboundMessage.objects.get().raw() == MAIL


def test_the_commands(data: Path, tmp_path: Path, capsys: Any) -> None:
    make_book()
    archive = tmp_path / "psm.tar"
    call_command("backup", str(archive))
    assert "tables" in capsys.readouterr().out
    call_command("restore", str(archive), "--check")
    assert "a sound" in capsys.readouterr().out
    call_command("restore", str(archive), "--yes")
    assert "all matching the manifest" in capsys.readouterr().out


def test_refuses_another_engine(data: Path, tmp_path: Path) -> None:
    made = backup(tmp_path / "psm.tar")
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    changed = rewrite_manifest(made.path, lambda m: m.update(engine=other))
    with pytest.raises(BackupError, match=f"backup is of a {other} database"):
        restore(changed)


def test_refuses_a_newer_schema_and_changes_nothing(data: Path, tmp_path: Path) -> None:
    book = make_book()
    made = backup(tmp_path / "psm.tar")
    changed = rewrite_manifest(
        made.path, lambda m: m["schema"]["cases"].append("0099_from_the_future")
    )
    Contact.objects.filter(pk=book.contact_b.pk).delete()
    with pytest.raises(CommandError, match="newer schema than this PSM") as refused:
        call_command("restore", str(changed), "--yes")
    assert refused.value.returncode == 2
    assert not Contact.objects.filter(pk=book.contact_b.pk).exists()


def test_refuses_a_damaged_archive(data: Path, tmp_path: Path) -> None:
    (data / "files").mkdir(parents=True)
    (data / "files" / "report.pdf").write_bytes(b"%PDF-1.7 report")
    made = backup(tmp_path / "psm.tar")
    changed = rewrite_manifest(
        made.path, lambda m: m["files"]["files/report.pdf"].update(sha256="0" * 64)
    )
    with pytest.raises(BackupError, match="do not match the manifest"):
        check(changed)
    not_a_backup = tmp_path / "junk.tar"
    not_a_backup.write_bytes(b"junk")
    with pytest.raises(BackupError, match="not a readable PSM backup"):
        check(not_a_backup)
