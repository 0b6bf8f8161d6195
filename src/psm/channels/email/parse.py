"""Turn raw RFC 5322 bytes into what the pipeline needs, without ever raising on bad mail.

Every oddity (an unknown charset, broken MIME, a missing Date, an undecodable header) becomes
a line in ``problems`` and a best-effort value, so one bad message can be processed, shown and
explained instead of stopping anything.
"""

from __future__ import annotations

import codecs
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

import nh3

AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")
_ID = re.compile(r"<([^<>\s]+)>")
_ESCAPED = re.compile("[\udc80-\udcff]")  # raw 8-bit bytes as surrogate escapes
# ``addr@example.com`` or ``Plain Name <addr@example.com>``: nothing the address parser
# could read differently, so it is read here without it (it is slow: most of a plain
# message's parsing time).
_SIMPLE_ADDRESS = re.compile(
    r"[ \t]*(?:(?P<name>[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*) <)?"
    r"(?P<address>[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
    r"(?(name)>)[ \t]*"
)


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass
class ParsedMail:
    message_id: str = ""
    from_name: str = ""
    from_address: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_submitted: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    loop_marker: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, most specific first."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(mid, None)
        return list(seen)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "from": self.from_address,
            "to": self.to,
            "cc": self.cc,
            "subject": self.subject,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in self.attachments
            ],
            "auto_submitted": self.auto_submitted,
            "problems": self.problems,
        }


def parse(raw: bytes, envelope_from: str | None = None) -> ParsedMail:
    """``envelope_from`` is the SMTP MAIL FROM when known ("" for the null sender <>)."""
    out = ParsedMail()
    # compat32 parsing is ~30x faster than policy.default; headers are decoded here, lazily.
    msg = message_from_bytes(raw)
    headers = _index(msg)
    _defects(msg, out)
    out.message_id = _first_id(_header(headers, "Message-ID", out))
    if not out.message_id:
        out.problems.append("no Message-ID")
    out.from_name, out.from_address = _from(headers, out)
    out.to = _addresses(headers, "To", out)
    out.cc = _addresses(headers, "Cc", out)
    out.subject = " ".join(_header(headers, "Subject", out).split())
    out.date = _date(headers, out)
    out.in_reply_to = _ID.findall(_header(headers, "In-Reply-To", out))
    out.references = _ID.findall(_header(headers, "References", out))
    out.loop_marker = _header(headers, "X-PSM-Loop", out).strip().lower()
    texts: list[str] = []
    htmls: list[str] = []
    try:
        _walk(msg, out, texts, htmls, depth=0)
    except Exception as exc:  # a structure the library cannot walk: keep what we have
        out.problems.append(f"MIME structure could not be read: {type(exc).__name__}: {exc}")
    out.html = "\n".join(htmls)
    out.text = "\n\n".join(t.strip("\n") for t in texts if t.strip()) or html_to_text(out.html)
    out.auto_submitted = automatic_reason(msg, out, envelope_from, headers)
    return out


def html_to_text(html: str) -> str:
    if not html:
        return ""
    marked = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h[1-6])>", "\n", html)
    text = html_lib.unescape(nh3.clean(marked, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def automatic_reason(
    msg: Message,
    out: ParsedMail,
    envelope_from: str | None,
    headers: dict[str, list[str]] | None = None,
) -> str | None:
    """Why this mail was sent by a machine (RFC 3834 and the usual conventions), or None."""
    headers = _index(msg) if headers is None else headers
    auto = _header(headers, "Auto-Submitted", out).strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(headers, "Precedence", out).strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    suppress = _header(headers, "X-Auto-Response-Suppress", out).strip()
    if suppress:
        return f"X-Auto-Response-Suppress: {suppress}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-AutoReply-From"):
        if _header(headers, name, out).strip():
            return f"{name} header"
    if envelope_from is not None and envelope_from.strip("<> ") == "":
        return "null return path (MAIL FROM:<>)"
    return_path = _header(headers, "Return-Path", out).strip()
    if return_path.replace(" ", "") == "<>":
        return "null return path (Return-Path: <>)"
    local = out.from_address.partition("@")[0].lower()
    if local in AUTOMATIC_SENDERS:
        return f"sent by {local}"
    if msg.get_content_type() == "multipart/report":
        return f"{msg.get_param('report-type') or 'delivery'} report"
    if _header(headers, "List-Id", out) or _header(headers, "List-Unsubscribe", out):
        return "mailing list"
    return None


# -- helpers ------------------------------------------------------------------------------


def _index(msg: Message) -> dict[str, list[str]]:
    """The message's headers by lower-case name, read once. Values are the stored text
    (``raw_items``), where raw 8-bit bytes are still surrogate escapes (``get`` would turn
    them into replacement characters)."""
    index: dict[str, list[str]] = {}
    for key, value in msg.raw_items():
        index.setdefault(key.lower(), []).append(str(value))
    return index


def _raw_header(headers: dict[str, list[str]], name: str, out: ParsedMail) -> str:
    values = headers.get(name.lower())
    return _unescape(values[0]) if values else ""


def _header(headers: dict[str, list[str]], name: str, out: ParsedMail) -> str:
    """The header's text with RFC 2047 encoded words decoded, folding removed."""
    return _decode_words(_raw_header(headers, name, out), name, out)


def _decode_words(value: str, name: str, out: ParsedMail) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, MessageError) as exc:
        # MessageError: a charset name that is not even ASCII (CharsetError); found by
        # benchmarks/fuzz.py.
        out.problems.append(f"{name} header has undecodable encoded words: {type(exc).__name__}")
    parts = []
    try:
        for chunk, _charset in decode_header(value):
            parts.append(chunk if isinstance(chunk, str) else _best_effort(chunk))
    except (ValueError, MessageError):  # HeaderParseError: bad base64 in a word
        return value
    return "".join(parts)


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: read them as UTF-8 (SMTPUTF8),
    else as Windows-1252, the usual suspect for unlabelled 8-bit headers."""
    if text.isascii() or not _ESCAPED.search(text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        decoded: str = raw.decode("utf-8")
    except UnicodeDecodeError:
        decoded = raw.decode("cp1252", "replace")
    return decoded


def _first_id(value: str) -> str:
    found = _ID.findall(value)
    if found:
        return str(found[0])[:255]
    return value.strip().strip("<>")[:255]


def _from(headers: dict[str, list[str]], out: ParsedMail) -> tuple[str, str]:
    value = _raw_header(headers, "From", out)
    if not value:
        out.problems.append("no From header")
        return "", ""
    name, address = parse_address(value)
    name = _decode_words(name, "From", out)
    address = address.strip().lower()
    if "@" not in address:
        out.problems.append(f"From is not an address: {value[:100]!r}")
        return name, ""
    return name, address


def parse_address(value: str) -> tuple[str, str]:
    """``email.utils.parseaddr``, answered directly for the plain forms."""
    simple = _SIMPLE_ADDRESS.fullmatch(value)
    if simple:
        return simple["name"] or "", simple["address"]
    return parseaddr(value)


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """``email.utils.getaddresses``, answered directly when every value is one plain form."""
    simple = [_SIMPLE_ADDRESS.fullmatch(v) for v in values]
    if all(simple):
        return [(m["name"] or "", m["address"]) for m in simple if m]
    return getaddresses(values)


def _addresses(headers: dict[str, list[str]], name: str, out: ParsedMail) -> list[str]:
    found = parse_addresses([_unescape(v) for v in headers.get(name.lower(), [])])
    return [a.lower() for _, a in found if "@" in a]


def _date(headers: dict[str, list[str]], out: ParsedMail) -> datetime | None:
    value = _header(headers, "Date", out)
    if not value:
        out.problems.append("no Date header")
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # an absurd zone: fuzzing
        out.problems.append(f"unreadable Date: {value[:60]!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _defects(part: Message, out: ParsedMail) -> None:
    for defect in getattr(part, "defects", []):
        out.problems.append(f"MIME defect: {type(defect).__name__}")


def _walk(part: Message, out: ParsedMail, texts: list[str], htmls: list[str], depth: int) -> None:
    if depth > 30:
        out.problems.append("MIME nesting deeper than 30 levels; the rest was skipped")
        return
    if depth:
        _defects(part, out)
    ctype = part.get_content_type()
    if ctype.startswith("multipart/") and not part.is_multipart():
        # A multipart without a usable boundary: its body is all there is; read it as text.
        texts.append(_text(part, out))
        return
    if part.is_multipart() and ctype != "message/rfc822":
        subparts = [p for p in part.get_payload() if isinstance(p, Message)]
        if ctype == "multipart/alternative":
            _alternative(subparts, out, texts, htmls, depth)
            return
        for sub in subparts:
            _walk(sub, out, texts, htmls, depth + 1)
        return
    disposition = part.get_content_disposition()
    filename = _filename(part, out)
    if ctype == "message/rfc822" or ctype == "message/global":
        inner = part.get_payload(0) if part.is_multipart() else part.get_payload()
        payload = inner.as_bytes() if isinstance(inner, Message) else _payload(part)
        subject = inner.get("Subject", "") if isinstance(inner, Message) else ""
        name = filename or f"{str(subject)[:60].strip() or 'forwarded message'}.eml"
        out.attachments.append(ParsedAttachment(name, "message/rfc822", payload))
        return
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = _text(part, out)
        (texts if ctype == "text/plain" else htmls).append(text)
        return
    if ctype == "text/calendar" and not filename:
        filename = "invite.ics"
    payload = _payload(part)
    out.attachments.append(ParsedAttachment(filename or _default_name(ctype), ctype, payload))


def _alternative(
    subparts: list[Message], out: ParsedMail, texts: list[str], htmls: list[str], depth: int
) -> None:
    """Keep the plain text for ``text`` and the HTML for display; walk other kinds (e.g. a
    calendar part) as attachments."""
    plain = [p for p in subparts if p.get_content_type() == "text/plain"]
    rich = [p for p in subparts if p.get_content_type() == "text/html"]
    if plain:
        texts.append(_text(plain[-1], out))
    if rich:
        htmls.append(_text(rich[-1], out))
    for sub in subparts:
        if sub.get_content_type() not in ("text/plain", "text/html"):
            _walk(sub, out, texts if not plain else [], htmls if not rich else [], depth + 1)


def _filename(part: Message, out: ParsedMail) -> str:
    named = ("content-type", "content-disposition")
    if not any("name" in str(v).lower() for k, v in part.raw_items() if k.lower() in named):
        return ""  # no filename= nor name= parameter: nothing for get_filename to find
    try:
        name = part.get_filename() or ""
    except Exception as exc:
        out.problems.append(f"attachment name unreadable: {type(exc).__name__}")
        return ""
    # RFC 2231 is decoded by the library; Outlook's RFC 2047 words in names are not.
    name = _decode_words(_unescape(str(name)), "filename", out)
    return " ".join(name.split())[:200]


def _default_name(ctype: str) -> str:
    import mimetypes

    ext = mimetypes.guess_extension(ctype) or ".bin"
    return f"attachment{ext}"


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _text(part: Message, out: ParsedMail) -> str:
    payload = _payload(part)
    charset = (part.get_content_charset() or "us-ascii").strip().lower()
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        out.problems.append(f"unknown charset {charset!r}: read as UTF-8 with replacements")
        return _best_effort(payload)
    try:
        return payload.decode(codec)
    except UnicodeDecodeError:
        if codec == "ascii":
            # Mail labelled ASCII (or unlabelled) that is really 8-bit: the usual suspects.
            for guess in ("utf-8", "cp1252"):
                try:
                    return payload.decode(guess)
                except UnicodeDecodeError:
                    continue
        out.problems.append(f"text is not valid {charset}: read with replacements")
        return payload.decode(codec, "replace")


def _best_effort(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", "replace")
