"""Turn raw RFC 5322 bytes into what the pipeline needs, without ever raising on bad mail.

Every oddity (an unknown charset, broken MIME, a missing Date, an undecodable header) becomes
a line in ``problems`` and a best-effort value, so one bad message can be processed, shown and
explained instead of stopping anything.
"""

from __future__ import annotations

import html as html_lib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

import nh3

from psm.channels.email import uuencode
from psm.channels.email.headers import decode_words, repair_headers
from psm.lib import charsets

AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")
# Subjects of out-of-office replies sent without an Auto-Submitted header (old vacation
# programs, Exchange inbox rules): only with a "do not answer" header do they count.
_AWAY_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|autoreply"
    r"|out of (?:the )?office|away from (?:the )?office|on vacation|vacation(?: reply)?\s*(?::|$)"
    r"|abwesenheitsnotiz|abwesend|r[ée]ponse automatique|absence|respuesta autom[áa]tica"
    r"|risposta automatica|fuori sede|afwezig|automatisch antwoord)",
    re.IGNORECASE,
)
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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
    # Why a machine sent this (RFC 3834 auto-responses, bounces, out-of-office), or None.
    auto_submitted: str | None = None
    # Why this must not be answered automatically although a person may have written it
    # (list mail, Precedence: bulk, X-Auto-Response-Suppress), or None.
    no_auto_reply: str | None = None
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
            "no_auto_reply": self.no_auto_reply,
            "problems": self.problems,
        }


def parse(raw: bytes, envelope_from: str | None = None) -> ParsedMail:
    """``envelope_from`` is the SMTP MAIL FROM when known ("" for the null sender <>)."""
    out = ParsedMail()
    raw = repair_headers(raw, out.problems)
    # compat32 parsing is ~30x faster than policy.default; headers are decoded here, lazily.
    msg = message_from_bytes(raw)
    index = _index(msg)
    _defects(msg, out)
    out.message_id = _first_id(_header(index, "Message-ID", out))
    if not out.message_id:
        out.problems.append("no Message-ID")
    out.from_name, out.from_address = _from(index, out)
    out.to = _addresses(index, "To", out)
    out.cc = _addresses(index, "Cc", out)
    out.subject = " ".join(_header(index, "Subject", out).split())
    out.date = _date(index, out)
    out.in_reply_to = _ID.findall(_header(index, "In-Reply-To", out))
    out.references = _ID.findall(_header(index, "References", out))
    out.loop_marker = _header(index, "X-PSM-Loop", out).strip().lower()
    texts: list[str] = []
    htmls: list[str] = []
    try:
        _walk(msg, out, texts, htmls, depth=0)
    except Exception as exc:  # a structure the library cannot walk: keep what we have
        out.problems.append(f"MIME structure could not be read: {type(exc).__name__}: {exc}")
    out.html = "\n".join(htmls)
    out.text = "\n\n".join(t.strip("\n") for t in texts if t.strip()) or html_to_text(out.html)
    out.auto_submitted = automatic_reason(msg, out, envelope_from, index)
    if out.auto_submitted is None:
        out.no_auto_reply = no_auto_reply_reason(out, index)
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
    """Why this mail was sent by a machine — an auto-response (RFC 3834), a bounce, an
    out-of-office — or None. List and bulk headers alone are not such a reason: they say the
    mail must not be *answered* (``no_auto_reply_reason``), not that no person wrote it."""
    headers = _index(msg) if headers is None else headers
    auto = _header(headers, "Auto-Submitted", out).strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(headers, "Precedence", out).strip().lower()
    if precedence == "auto_reply":
        return f"Precedence: {precedence}"
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
    suppress = no_auto_reply_reason(out, headers)
    if suppress and _AWAY_SUBJECT.match(out.subject):
        # An out-of-office without Auto-Submitted (vacation(1), an Exchange inbox rule):
        # a "do not answer" header and a subject that says so.
        return f"out-of-office reply ({suppress})"
    return None


def no_auto_reply_reason(out: ParsedMail, headers: dict[str, list[str]]) -> str | None:
    """Why this mail must not get an automatic answer (RFC 3834 §2: list mail, bulk mail,
    and senders who ask for none), or None. Such mail is still read: a contact's request
    sent through the client's own list opens its case, without the acknowledgement."""
    precedence = _header(headers, "Precedence", out).strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    suppress = _header(headers, "X-Auto-Response-Suppress", out).strip()
    if suppress:
        return f"X-Auto-Response-Suppress: {suppress}"
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if _header(headers, name, out).strip():
            return f"mailing list ({name})"
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
    return decode_words(value, out.problems, name)


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: read them with the first of
    ``PSM_MAIL_INPUT_ENCODINGS`` that fits (UTF-8 for SMTPUTF8 mail, by default)."""
    if text.isascii() or not _ESCAPED.search(text):
        return text
    return charsets.undeclared(text.encode("utf-8", "surrogateescape"))[0]


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
        texts.append(_plain(part, out))
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
        payload = inner.as_bytes() if isinstance(inner, Message) else _payload(part, out)
        subject = _inner_subject(inner, out) if isinstance(inner, Message) else ""
        name = filename or f"{_clean_name(subject)[:60].strip() or 'forwarded message'}.eml"
        out.attachments.append(ParsedAttachment(name, "message/rfc822", payload))
        return
    if ctype == "text/plain" and disposition != "attachment" and not filename:
        texts.append(_plain(part, out))
        return
    if ctype == "text/html" and disposition != "attachment" and not filename:
        htmls.append(_text(part, out))
        return
    if ctype == "text/calendar" and not filename:
        filename = "invite.ics"
    payload = _payload(part, out)
    out.attachments.append(
        ParsedAttachment(filename or _default_name(ctype), _content_type(part, ctype, out), payload)
    )


def _alternative(
    subparts: list[Message], out: ParsedMail, texts: list[str], htmls: list[str], depth: int
) -> None:
    """Keep the plain text for ``text`` and the HTML for display; walk other kinds (e.g. a
    calendar part) as attachments."""
    plain = [p for p in subparts if p.get_content_type() == "text/plain"]
    rich = [p for p in subparts if p.get_content_type() == "text/html"]
    if plain:
        texts.append(_plain(plain[-1], out))
    if rich:
        htmls.append(_text(rich[-1], out))
    for sub in subparts:
        if sub.get_content_type() not in ("text/plain", "text/html"):
            _walk(sub, out, texts if not plain else [], htmls if not rich else [], depth + 1)


def _filename(part: Message, out: ParsedMail) -> str:
    named = ("content-type", "content-disposition")
    if not any("name" in str(v).lower() for k, v in part.raw_items() if k.lower() in named):
        return ""  # no filename= nor name= parameter: nothing to find
    try:
        value = part.get_param("filename", None, "content-disposition")
        if not value:
            value = part.get_param("name", None, "content-type")
    except Exception as exc:
        out.problems.append(f"attachment name unreadable: {type(exc).__name__}")
        return ""
    if isinstance(value, tuple):
        # RFC 2231 (filename*=charset'lang'percent-encoded), any charset label mail uses.
        charset, _language, text = value
        # The library has undone the %-escapes into one character per byte.
        try:
            data = str(text).encode("latin-1")
        except UnicodeEncodeError:
            data = str(text).encode("utf-8", "surrogateescape")
        name = charsets.decode(data, charset or None, out.problems, "attachment name")
    elif value:
        name = _unescape(collapse_rfc2231_value(value))
    else:
        return ""
    # Outlook's RFC 2047 words in names ("=?iso-8859-1?q?Pr=FCfung?=.pdf").
    return _clean_name(_decode_words(name, "attachment name", out))[:200]


def _inner_subject(inner: Message, out: ParsedMail) -> str:
    """A forwarded message's subject, decoded, for its attachment name."""
    try:
        value = inner.get("Subject", "")
    except Exception:  # a header the library cannot even read back
        return ""
    return _decode_words(_unescape(str(value)), "forwarded subject", out)


def _clean_name(name: str) -> str:
    """What a file name may hold on every database and file system: no NUL or other control
    characters, no directory, single spaces."""
    name = _CONTROL.sub("", name).replace("/", "_").replace("\\", "_")
    return " ".join(name.split())


def _content_type(part: Message, ctype: str, out: ParsedMail) -> str:
    """The part's type when it is a well-formed ``type/subtype`` (the library keeps control
    characters and NULs that PostgreSQL rejects), else one guessed from the name."""
    if _CONTENT_TYPE.fullmatch(ctype) and len(ctype) <= 150:
        return ctype
    out.problems.append(f"malformed Content-Type {_CONTROL.sub('?', ctype)[:60]!r}")
    return "application/octet-stream"


def _default_name(ctype: str) -> str:
    ext = mimetypes.guess_extension(ctype) if _CONTENT_TYPE.fullmatch(ctype) else None
    return f"attachment{ext or '.bin'}"


def _payload(part: Message, out: ParsedMail) -> bytes:
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte in uuencode.TRANSFER_ENCODINGS:
        raw = part.get_payload()
        if isinstance(raw, str):
            return uuencode.decode_part(raw.encode("latin-1", "replace"), out.problems)
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        if payload.startswith(b"begin ") and part.get_content_maintype() != "text":
            # An old mailer's attachment: uuencoded inside a binary part.
            files = uuencode.extract(payload.decode("latin-1"), out.problems)[1]
            if files:
                return files[0].payload
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _text(part: Message, out: ParsedMail) -> str:
    try:
        label = part.get_content_charset()
    except Exception:  # a charset parameter the library cannot read back
        label = None
        out.problems.append("unreadable charset parameter")
    return charsets.decode(_payload(part, out), label, out.problems, "text")


def _plain(part: Message, out: ParsedMail) -> str:
    """A text/plain body, with uuencoded files (``begin 644 name`` … ``end``) taken out of
    the text into attachments."""
    text = _text(part, out)
    text, files = uuencode.extract(text, out.problems)
    for file in files:
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        out.attachments.append(ParsedAttachment(file.name, ctype, file.payload))
    return text
