"""Charset labels as mail really uses them, and what to do with 8-bit text that has none.

Python knows the IANA names; mail also carries the labels browsers and mail programs invented
(``iso-8859-8-i``, ``windows-874``, ``x-sjis``, ``x-gbk``, ``x-euc-jp``, ``ks_c_5601-1987`` …).
``codec_for`` maps a label to a Python codec, preferring the superset that senders actually
mean (a "gb2312" mail written by Outlook holds GBK characters, an "iso-8859-1" one holds
Windows-1252 quotes), as the WHATWG Encoding Standard does.

Text without a usable label (no charset, ``us-ascii`` with 8-bit bytes, an unknown label) is
read with the first of ``PSM_MAIL_INPUT_ENCODINGS`` that decodes it without error (RT's
``EmailInputEncodings``); when none does, with the last one and replacement characters.
"""

from __future__ import annotations

import codecs
import functools
import re

from django.core.exceptions import ImproperlyConfigured

DEFAULT_INPUT_ENCODINGS = "utf-8,windows-1252"

# Labels Python does not know, or knows as the narrower charset senders rarely mean.
_ALIASES = {
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-8-e": "iso8859-8",
    "logical": "iso8859-8",
    "visual": "iso8859-8",
    "windows-31j": "cp932",
    "ms-cp932": "cp932",
    "sjis-open": "cp932",
    "windows-949": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601-1989": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "euckr": "cp949",
    "cseuckr": "cp949",
    "csksc56011987": "cp949",
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "chinese": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "windows-936": "gb18030",
    "ms936": "gb18030",
    "iso-ir-58": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cn-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "cseucpkdfmtjapanese": "euc_jp",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "iso8859-11": "cp874",
    "dos-874": "cp874",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "latin-9": "iso8859-15",
    "latin9": "iso8859-15",
    "mac": "mac-roman",
    "macintosh": "mac-roman",
    "mac-cyrillic": "mac-cyrillic",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    "unicode": "utf-16",
    "ucs-2": "utf-16",
}
# Labels for Latin-1 and ASCII: read as Windows-1252 when the bytes need it (C1 range).
_LATIN1 = {"latin1", "iso8859-1"}
_SUPERSET_FALLBACK = {"cp1252": "latin-1", "cp1254": "iso8859-9", "cp874": "tis-620"}
_WINDOWS = re.compile(r"^(?:windows|win|cp|ms|ibm)[-_]?(\d{3,5})$")


def _normal(label: str) -> str:
    label = label.strip().strip("\"'").strip().lower()
    # ``charset=3D"utf-8"``: a quoted-printable "=" left in by a broken encoder.
    if label.startswith("3d") and len(label) > 2 and not label[2].isalnum():
        label = label[2:].strip("\"'")
    return label.split("*", 1)[0]  # RFC 2231 language suffix ("utf-8*en")


@functools.cache
def codec_for(label: str) -> str | None:
    """The Python codec to read text labelled ``label`` with; None when unknown."""
    name = _normal(label)
    if not name:
        return None
    for candidate in (name, name[2:] if name.startswith("x-") else ""):
        if not candidate:
            continue
        if candidate in _ALIASES:
            return _ALIASES[candidate]
        windows = _WINDOWS.match(candidate)
        if windows:
            candidate = f"cp{windows[1]}"
        try:
            codec = codecs.lookup(candidate).name
        except LookupError:
            continue
        if codec in _LATIN1:
            return "cp1252"
        if codec in ("gb2312", "gbk"):
            return "gb18030"
        if codec == "euc_kr":
            return "cp949"
        if codec == "shift_jis":
            return "cp932"
        if codec == "big5":
            return "big5hkscs"
        if not _is_text_codec(codec):
            return None
        return codec
    return None


def _is_text_codec(codec: str) -> bool:
    """Charsets only: a label such as "base64", "zip" or "rot13" names a Python codec that
    is not one (and would not decode bytes to text)."""
    try:
        info = codecs.lookup(codec)
    except LookupError:
        return False
    return getattr(info, "_is_text_encoding", True)


def parse_list(value: str, name: str = "PSM_MAIL_INPUT_ENCODINGS") -> tuple[str, ...]:
    """The setting: comma-separated charset labels, each one Python can read."""
    out: list[str] = []
    for label in value.split(","):
        if not label.strip():
            continue
        codec = codec_for(label)
        if codec is None:
            raise ImproperlyConfigured(f"{name}: {label.strip()!r} is not a known charset")
        out.append(codec)
    if not out:
        raise ImproperlyConfigured(f"{name} needs at least one charset, e.g. utf-8,windows-1252")
    return tuple(dict.fromkeys(out))


def input_encodings() -> tuple[str, ...]:
    from django.conf import settings

    configured: tuple[str, ...] | None = getattr(settings, "PSM_MAIL_INPUT_ENCODINGS", None)
    return configured or parse_list(DEFAULT_INPUT_ENCODINGS)


def undeclared(payload: bytes) -> tuple[str, str]:
    """8-bit bytes without a usable label: the text and the codec that read it (ASCII first:
    most text needs no guess)."""
    if payload.isascii():
        return payload.decode("ascii"), "ascii"
    encodings = input_encodings()
    for codec in encodings:
        try:
            return payload.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return payload.decode(encodings[-1], "replace"), encodings[-1]


def decode(payload: bytes, label: str | None, problems: list[str], what: str) -> str:
    """Bytes labelled ``label`` (None: no label) as text; every guess is a line in
    ``problems`` naming ``what`` was read."""
    if not label:
        text, used = undeclared(payload)
        if used not in ("ascii", "utf-8"):
            problems.append(f"{what} has no charset: read as {used}")
        return text
    codec = codec_for(label)
    if codec is None:
        text, guess = undeclared(payload)
        problems.append(f"unknown charset {_normal(label)!r} in {what}: read as {guess}")
        return text
    try:
        return payload.decode(codec)
    except UnicodeDecodeError:
        pass
    if codec == "ascii":
        # Labelled ASCII (the default when unlabelled) but really 8-bit: the fallbacks.
        text, guess = undeclared(payload)
        if guess != "utf-8":
            problems.append(f"{what} is labelled us-ascii but holds 8-bit text: read as {guess}")
        return text
    narrower = _SUPERSET_FALLBACK.get(codec)
    if narrower:
        try:
            return payload.decode(narrower)
        except UnicodeDecodeError:
            pass
    problems.append(f"{what} is not valid {_normal(label)}: read with replacements")
    return payload.decode(codec, "replace")
