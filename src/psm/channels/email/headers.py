"""Header text as mail programs write it, not only as the RFCs allow.

- ``decode_words``: RFC 2047 encoded words, decoded leniently — a truncated word (a base64
  text cut short, a missing ``?=``), a word glued to the text around it
  (``=?iso-8859-1?q?Pr=FCfung?=.pdf``), a multi-byte character split across two words, an
  unknown or alias charset — each decoded as far as it goes, with a problem noted instead of
  an exception.
- ``repair_headers``: a header line that is not a header (no colon, a space in the name) ends header
  parsing in Python's parser, so every header after it (often the From) is lost into the
  body. When a well-formed header follows it directly (and it is not a MIME boundary), the
  bad line is skipped and noted, and parsing goes on, as the Ruby mail library does.
"""

from __future__ import annotations

import binascii
import re

from psm.lib import charsets

_WORD = re.compile(
    r"=\?(?P<charset>[^?\s]+)\?(?P<encoding>[bBqQ])\?"
    r"(?:(?P<text>[^?]*?)\?=|(?P<open>[^?\s]*)$)"
)
_QP_HEX = re.compile(r"=([0-9A-Fa-f]{2})")
_BASE64_JUNK = re.compile(r"[^A-Za-z0-9+/]")


def decode_words(value: str, problems: list[str], what: str) -> str:
    """``value`` with its encoded words decoded; whitespace between two words dropped."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_charset = ""
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset:
            out.append(charsets.decode(bytes(pending), pending_charset, problems, what))
        pending = bytearray()
        pending_charset = ""

    for word in _WORD.finditer(value):
        between = value[position : word.start()]
        # Linear white space between two encoded words is not text (RFC 2047 §6.2).
        if between and not (pending_charset and not between.strip()):
            flush()
            out.append(between)
        text = word["text"]
        if text is None:
            problems.append(f"{what}: encoded word without its closing '?='")
            text = word["open"]
        data = _word_bytes(word["encoding"], text, problems, what)
        charset = word["charset"]
        if pending_charset and charset.lower() != pending_charset.lower():
            flush()
        pending_charset = charset
        pending += data
        position = word.end()
    flush()
    out.append(value[position:])
    return "".join(out)


def _word_bytes(encoding: str, text: str, problems: list[str], what: str) -> bytes:
    if encoding in "qQ":
        text = text.replace("_", " ")
        out = bytearray()
        position = 0
        for escape in _QP_HEX.finditer(text):
            out += _literal(text[position : escape.start()])
            out.append(int(escape[1], 16))
            position = escape.end()
        out += _literal(text[position:])
        return bytes(out)
    cleaned = _BASE64_JUNK.sub("", text.split("=", 1)[0])
    if len(cleaned) % 4 == 1:
        # A base64 text cut short: its last character carries no whole byte.
        problems.append(f"{what}: truncated encoded word (decoded as far as it goes)")
        cleaned = cleaned[:-1]
    try:
        return binascii.a2b_base64(cleaned + "=" * (-len(cleaned) % 4))
    except binascii.Error:  # pragma: no cover - padded, filtered input always decodes
        problems.append(f"{what}: undecodable encoded word")
        return b""


def _literal(text: str) -> bytes:
    """Characters a Q-encoded word carries unencoded (8-bit ones break the rule but occur)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


# -- header block repair -------------------------------------------------------------------

_BLANK = re.compile(rb"\r?\n\r?\n")
# A line Python's parser reads as part of the header: a field, a continuation, or the end.
_BAD_LINE = re.compile(rb"^(?![\x21-\x39\x3b-\x7e]+:|[ \t]|\r?$)", re.MULTILINE)
_FIELD = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")


def repair_headers(raw: bytes, problems: list[str]) -> bytes:
    """``raw`` without the header lines that would end header parsing too early."""
    blank = _BLANK.search(raw)
    if blank is None:
        return raw  # no header/body separator at all: leave it to the parser (a defect)
    head = raw[: blank.start()]
    if not _BAD_LINE.search(head):
        return raw
    lines = head.split(b"\n")
    kept: list[bytes] = []
    for index, line in enumerate(lines):
        if index == 0 and line.startswith(b"From "):
            kept.append(line)  # the mbox separator line
            continue
        if _FIELD.match(line) or line[:1] in (b" ", b"\t"):
            kept.append(line)
            continue
        following = lines[index + 1] if index + 1 < len(lines) else b""
        if line.startswith(b"--") or not _FIELD.match(following):
            # A MIME boundary, or no header right after it: this is where the body starts
            # (a message without the blank line); left to the parser, which notes a defect.
            return b"\n".join([*kept, *lines[index:]]) + raw[blank.start() :]
        shown = line.rstrip(b"\r").decode("utf-8", "replace")[:80]
        problems.append(f"header line {index + 1} is not a header and was skipped: {shown!r}")
    return b"\n".join(kept) + raw[blank.start() :]
