"""The corpus: 90+ hand-made and real-world-shaped messages, each with its expected state in
``corpus/manifest.json``, imported in one run with ``psm mail import``.

All messages are written for this project (minimal reproductions of what other mail
projects' test corpora and issue trackers show, none copied), so no licence applies to them
beyond the project's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from psm.cases.models import Case, Message
from psm.channels.email.models import InboundMessage, State
from psm.notifications.models import Notification

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def test_the_corpus_is_big_enough_and_covers_every_final_state() -> None:
    assert len(MANIFEST) >= 60
    assert {e["state"] for e in MANIFEST.values()} >= {
        State.CASE_OPENED,
        State.THREADED,
        State.DUPLICATE,
        State.AUTO_REPLY,
        State.LOOP,
        State.QUARANTINED,
    }
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(MANIFEST)


@pytest.fixture
def imported(mailbook, capsys, settings):
    # Most of the corpus comes from one sender at one instant: the per-sender limit on
    # acknowledgements (tested on its own in test_acknowledgements.py) is lifted here.
    settings.PSM_MAIL_ACK_LIMIT = 0
    paths = [str(CORPUS / name) for name in sorted(MANIFEST)]
    call_command("mail", "import", *paths)
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    rows = list(InboundMessage.objects.order_by("id"))
    assert len(rows) == len(MANIFEST)
    return summary, dict(zip(sorted(MANIFEST), rows, strict=True))


def test_every_message_ends_in_its_expected_state(imported) -> None:
    summary, rows = imported
    wrong = {
        name: (row.state, row.reason)
        for name, row in rows.items()
        if row.state != MANIFEST[name]["state"]
    }
    assert not wrong, wrong
    assert summary["imported"] == len(MANIFEST)
    assert State.FAILED not in summary["states"]


def test_message_details(imported) -> None:
    """Text, HTML, attachments, priority and threading of each message, as the manifest says
    (all messages checked, every mismatch reported at once)."""
    _, rows = imported
    wrong = {}
    for name, row in rows.items():
        try:
            check(row, MANIFEST[name])
        except AssertionError as exc:
            wrong[name] = f"{exc} [{row.state}: {row.reason}]"
    assert not wrong, wrong


def check(row: InboundMessage, expect: dict[str, object]) -> None:
    assert row.state == expect["state"], "state"
    message: Message | None = row.case_message
    if "reason" in expect:
        assert expect["reason"].lower() in row.reason.lower(), "reason"
    if "problems" in expect:
        assert expect["problems"].lower() in row.reason.lower(), "problems"
    if "case" in expect:
        assert row.case is not None and row.case.reference == expect["case"], "case"
    if "priority" in expect:
        assert row.case.priority == expect["priority"], "priority"
    if "subject" in expect:
        assert row.subject == expect["subject"], "subject"
        assert row.case is None or row.case.title.endswith(expect["subject"]), "title"
    if "title" in expect:
        assert row.case.title == expect["title"], "title"
    if "text" in expect:
        assert expect["text"] in message.text, f"text: {message.text[:200]!r}"
    if "text_excludes" in expect:
        assert expect["text_excludes"] not in message.text, f"text: {message.text[:200]!r}"
    if "acknowledged" in expect:
        assert row.acknowledged == expect["acknowledged"], "acknowledged"
        acks = Notification.objects.filter(key=f"case:{row.case_id}:ack")
        assert acks.exists() == expect["acknowledged"], "acknowledgement in the outbox"
    if "html" in expect:
        assert expect["html"] in message.html, "html"
    if "html_excludes" in expect:
        assert expect["html_excludes"] not in message.html, "html_excludes"
    if "attachments" in expect:
        assert message.attachments.count() == expect["attachments"], "attachments"
    if "filename" in expect:
        attachment = message.attachments.get()
        assert attachment.filename == expect["filename"], f"filename: {attachment.filename!r}"
        assert "\x00" not in attachment.content_type, "content type"
        content = attachment.file.read()
        if "size" in expect:
            assert len(content) == expect["size"] == attachment.size, "size"
        if "content" in expect:
            assert expect["content"].encode() in content, "content"
    if row.state == State.AUTO_REPLY and message is not None:
        assert message.is_automatic, "automatic"


def test_states_and_side_effects_add_up(imported) -> None:
    _, rows = imported
    opened = [r for r in rows.values() if r.state == State.CASE_OPENED]
    assert Case.objects.count() == len(opened)
    # Only opened cases are acknowledged: never an auto-reply, a loop or a duplicate, nor
    # list or bulk mail (RFC 3834).
    acknowledged = [r for r in opened if r.acknowledged]
    assert {r.state for r in rows.values() if r.acknowledged} <= {State.CASE_OPENED}
    assert len(acknowledged) == len(opened) - sum(
        1 for name, r in rows.items() if MANIFEST[name].get("acknowledged") is False
    )
    acks = Notification.objects.filter(key__endswith=":ack")
    assert acks.count() == len(acknowledged)
    assert set(acks.values_list("key", flat=True)) == {
        f"case:{r.case_id}:ack" for r in acknowledged
    }
    assert set(acks.values_list("recipient", flat=True)) <= {
        "alma@acme.example",
        "andre@acme.example",
        "bert@globex.example",
    }
    threaded = [r for r in rows.values() if r.state == State.THREADED]
    assert all(r.case_message and r.case_message.case_id == r.case_id for r in threaded)
    raw_files = {r.path for r in rows.values()}
    assert all(p.exists() for p in raw_files)


def test_stats_prints_counts_by_state(imported, capsys) -> None:
    call_command("mail", "stats")
    stats = json.loads(capsys.readouterr().out)
    expected: dict[str, int] = {}
    for entry in MANIFEST.values():
        expected[entry["state"]] = expected.get(entry["state"], 0) + 1
    assert stats["total"] == len(MANIFEST)
    assert {k: v for k, v in stats["states"].items() if v} == expected
