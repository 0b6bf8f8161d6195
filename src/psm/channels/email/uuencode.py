"""Old-style attachments: ``begin 644 report.pdf`` … ``end`` inside a text body (uuencode, as
Outlook Express, Eudora and many scripts still send), or a part whose Content-Transfer-Encoding
is ``x-uuencode``. Also ``begin-base64`` blocks (``uuencode -m``).

``extract`` takes the blocks out of a text and returns them as files; lines a broken encoder
wrote too long or too short are decoded as far as they carry data, a block without its
``end`` as far as it goes, each with a problem noted.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

_BEGIN = re.compile(
    r"^begin(?P<base64>-base64)? +(?P<mode>[0-7]{3,4}) +(?P<name>[^\r\n]+?)[ \t]*\r?$",
    re.MULTILINE,
)
_END = re.compile(r"^(?:end|====)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
TRANSFER_ENCODINGS = ("x-uuencode", "uuencode", "x-uue", "uue")


@dataclass(frozen=True)
class File:
    name: str
    payload: bytes


def extract(text: str, problems: list[str]) -> tuple[str, list[File]]:
    """The text without its uuencoded blocks, and the files they held."""
    if "begin" not in text:
        return text, []
    files: list[File] = []
    kept: list[str] = []
    position = 0
    for begin in _BEGIN.finditer(text):
        if begin.start() < position:
            continue  # inside a block already taken
        end = _END.search(text, begin.end())
        body_end = end.start() if end else len(text)
        lines = text[begin.end() : body_end].splitlines()
        if not _looks_encoded(lines, bool(begin["base64"])):
            continue  # "begin 100 metres" in prose: not a block
        name = _clean_name(begin["name"])
        decode = _base64 if begin["base64"] else _uu
        payload = decode(lines, problems, name)
        if end is None:
            problems.append(f"uuencoded file {name} has no 'end' line: decoded as far as it goes")
        kept.append(text[position : begin.start()])
        files.append(File(name, payload))
        position = end.end() if end else len(text)
    if not files:
        return text, []
    kept.append(text[position:])
    return "".join(kept), files


def decode_part(raw: bytes, problems: list[str]) -> bytes:
    """A whole part in ``Content-Transfer-Encoding: x-uuencode``: its first block's bytes (a
    part without a ``begin`` line is taken as the encoded lines alone)."""
    text = raw.decode("latin-1")
    _, files = extract(text, problems)
    if files:
        return files[0].payload
    return _uu(text.splitlines(), problems, "part")


def _looks_encoded(lines: list[str], base64: bool) -> bool:
    data = [line.rstrip("\r") for line in lines if line.strip()]
    if not data:
        return True  # an empty file
    if base64:
        return all(re.fullmatch(r"[A-Za-z0-9+/=]+", line) for line in data[:5])
    return all(" " <= line[0] <= "`" and len(line) <= 90 for line in data[:5])


def _uu(lines: list[str], problems: list[str], name: str) -> bytes:
    out = bytearray()
    damaged = 0
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:
            continue
        length = (ord(line[0]) - 32) & 63
        if length == 0:
            break  # the zero-length line before "end"
        # The characters the length byte promises; a relay may have trimmed trailing spaces
        # (uuencode's zero bits) or cut the line short, or an encoder added garbage.
        needed = 1 + (length * 4 + 2) // 3
        body = line[:needed]
        if len(body) < needed:
            damaged += 1
            body = body.ljust(needed, "`")  # the missing bits read as zeros
        try:
            out += binascii.a2b_uu(body)[:length]
        except binascii.Error:
            damaged += 1
    if damaged:
        problems.append(f"uuencoded file {name}: {damaged} damaged line(s) read as far as they go")
    return bytes(out)


def _base64(lines: list[str], problems: list[str], name: str) -> bytes:
    joined = "".join(line.strip() for line in lines)
    joined = re.sub(r"[^A-Za-z0-9+/]", "", joined.split("=", 1)[0])
    if len(joined) % 4 == 1:
        problems.append(f"base64 block of {name} is truncated")
        joined = joined[:-1]
    return binascii.a2b_base64(joined + "=" * (-len(joined) % 4))


def _clean_name(name: str) -> str:
    """The file name without any directory (``begin 644 ../../etc/passwd``)."""
    name = name.strip().strip('"').replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable())
    return name[:200] or "attachment.bin"
