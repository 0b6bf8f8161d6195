"""Ugly mail read as well as the best parsers do (issue 12): truncated encoded words, bad
header lines, uuencode, charset aliases and fallbacks, encoded attachment names, NULs."""

from __future__ import annotations

import binascii

import pytest
from django.core.exceptions import ImproperlyConfigured

from psm.channels.email.headers import decode_words, repair_headers
from psm.channels.email.parse import parse
from psm.channels.email.uuencode import extract
from psm.lib import charsets

HEAD = (
    "From: Alma Client <alma@acme.example>\r\nTo: acme@psm.localhost\r\n"
    "Date: Tue, 10 Mar 2026 10:15:00 -0400\r\nMessage-ID: <u@acme.example>\r\n"
)


def words(value: str) -> tuple[str, list[str]]:
    problems: list[str] = []
    return decode_words(value, problems, "Subject"), problems


# -- encoded words -------------------------------------------------------------------------


def test_a_truncated_base64_word_is_decoded_as_far_as_it_goes() -> None:
    text, problems = words("=?UTF-8?B?SGVsbG8gV?=")
    assert text == "Hello "
    assert problems == ["Subject: truncated encoded word (decoded as far as it goes)"]


def test_a_word_without_its_closing_marker_is_still_read() -> None:
    text, problems = words("Re: =?UTF-8?B?SGVsbG8=")
    assert text == "Re: Hello"
    assert "without its closing" in problems[0]


def test_a_multibyte_character_split_across_two_words_is_joined() -> None:
    data = "Grüße".encode()
    first = binascii.b2a_base64(data[:3], newline=False).decode()
    second = binascii.b2a_base64(data[3:], newline=False).decode()
    text, problems = words(f"=?utf-8?b?{first}?=\r\n =?utf-8?b?{second}?=")
    assert (text, problems) == ("Grüße", [])


def test_a_word_glued_to_text_is_decoded() -> None:
    assert words("=?iso-8859-1?q?Pr=FCfbericht?=.pdf") == ("Prüfbericht.pdf", [])


def test_whitespace_between_words_goes_but_text_between_stays() -> None:
    assert words("=?utf-8?q?a?= =?utf-8?q?b?= c =?utf-8?q?d?=")[0] == "ab c d"


def test_alias_charsets_and_rfc2231_language_in_words() -> None:
    hebrew = binascii.b2a_base64("שלום".encode("iso8859-8"), newline=False).decode()
    assert words(f"=?iso-8859-8-i?b?{hebrew}?=")[0] == "שלום"
    assert words("=?utf-8*en?q?hello?=")[0] == "hello"


def test_an_unknown_charset_in_a_word_falls_back_with_a_problem() -> None:
    text, problems = words("=?x-klingon?q?caf=C3=A9?=")
    assert text == "café"
    assert "unknown charset 'x-klingon'" in problems[0]


def test_the_parser_never_raises_on_the_issue_subject() -> None:
    mail = parse((HEAD + "Subject: =?UTF-8?B?SGVsbG8gV?=\r\n\r\nbody\r\n").encode())
    assert mail.subject == "Hello"
    assert mail.from_address == "alma@acme.example"
    assert any("truncated encoded word" in p for p in mail.problems)


# -- bad header lines ------------------------------------------------------------------------


def test_a_bad_header_line_is_skipped_and_parsing_goes_on() -> None:
    raw = (
        b"To: acme@psm.localhost\r\nX-Broken header: yes\r\n"
        b"From: Alma Client <alma@acme.example>\r\nSubject: still read\r\n\r\nbody\r\n"
    )
    mail = parse(raw)
    assert (mail.from_address, mail.subject, mail.text.strip()) == (
        "alma@acme.example",
        "still read",
        "body",
    )
    assert "header line 2 is not a header and was skipped: 'X-Broken header: yes'" in (
        mail.problems
    )


def test_a_body_without_blank_line_is_not_mistaken_for_headers() -> None:
    """The MIME preamble of a message without the blank line is body, not bad headers."""
    raw = (
        b"From: a@acme.example\r\nContent-Type: multipart/alternative; boundary=B\r\n"
        b"This is a multi-part message in MIME format.\r\n--B\r\n"
        b"Content-Type: text/plain\r\n\r\nplain\r\n--B--\r\n"
    )
    problems: list[str] = []
    assert repair_headers(raw, problems) == raw
    assert problems == []


def test_a_boundary_line_ends_the_header_block() -> None:
    raw = b"From: a@acme.example\r\n--B\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    assert repair_headers(raw, []) == raw


def test_mail_without_any_blank_line_is_left_alone() -> None:
    raw = b"From: a@acme.example\r\nSubject: x\r\nHello there\r\nNote: this is body"
    assert repair_headers(raw, []) == raw


def test_the_mbox_from_line_is_kept() -> None:
    raw = b"From alma@acme.example Tue Mar 10 10:15:00 2026\nbad line\nSubject: s\n\nb\n"
    problems: list[str] = []
    assert repair_headers(raw, problems) == (
        b"From alma@acme.example Tue Mar 10 10:15:00 2026\nSubject: s\n\nb\n"
    )
    assert len(problems) == 1


# -- uuencode ----------------------------------------------------------------------------------


def uu(data: bytes) -> str:
    lines = [
        binascii.b2a_uu(data[i : i + 45]).decode().rstrip("\n") for i in range(0, len(data), 45)
    ]
    return "\n".join(lines) + "\n`\n"


def test_uuencoded_files_in_a_body_become_attachments() -> None:
    data = bytes(range(256)) * 4
    body = f"Hello,\n\nbegin 644 dump.bin\n{uu(data)}end\n\nRegards\n"
    mail = parse((HEAD + "Subject: uu\r\nContent-Type: text/plain\r\n\r\n" + body).encode())
    assert [(a.filename, a.payload) for a in mail.attachments] == [("dump.bin", data)]
    assert "begin 644" not in mail.text
    assert "Hello," in mail.text and "Regards" in mail.text
    assert mail.problems == []


def test_two_blocks_a_missing_end_and_damaged_lines() -> None:
    problems: list[str] = []
    one = uu(b"first file\n")
    # A line whose trailing characters were trimmed by a mail relay.
    damaged = binascii.b2a_uu(b"x" * 45).decode().rstrip("\n")[:-3]
    text, files = extract(
        f"a\nbegin 644 one.txt\n{one}end\nb\nbegin 600 two.txt\n{damaged}\n", problems
    )
    assert [f.name for f in files] == ["one.txt", "two.txt"]
    assert files[0].payload == b"first file\n"
    assert files[1].payload.startswith(b"x" * 40)
    assert text == "a\nb\n"
    assert any("no 'end' line" in p for p in problems)
    assert any("damaged line" in p for p in problems)


def test_begin_base64_blocks_and_unsafe_names() -> None:
    block = binascii.b2a_base64(b"hello world").decode()
    text, files = extract(f"begin-base64 644 ../../etc/passwd\n{block}====\n", [])
    assert [(f.name, f.payload) for f in files] == [("passwd", b"hello world")]
    assert text == ""


def test_prose_that_starts_with_begin_is_left_alone() -> None:
    text = "begin 100 metres from the gate\nand walk on.\nend\n"
    assert extract(text, []) == (text, [])


# -- charsets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("iso-8859-8-i", "iso8859-8"),
        ("windows-874", "cp874"),
        ("x-sjis", "cp932"),
        ("x-gbk", "gb18030"),
        ("x-euc-jp", "euc_jp"),
        ("ks_c_5601-1987", "cp949"),
        ("gb2312", "gb18030"),
        ('"UTF-8"', "utf-8"),
        ('3D"utf-8"', "utf-8"),
        ("x-mac-roman", "mac-roman"),
        ("windows-31j", "cp932"),
        ("iso-8859-1", "cp1252"),
        ("x-no-such-charset", None),
        ("base64", None),
    ],
)
def test_charset_labels(label: str, codec: str | None) -> None:
    assert charsets.codec_for(label) == codec


def test_latin1_labelled_text_with_windows_quotes_and_undefined_bytes() -> None:
    problems: list[str] = []
    assert charsets.decode(b"\x93ok\x94", "iso-8859-1", problems, "text") == "“ok”"
    assert charsets.decode(b"a\x81b", "iso-8859-1", problems, "text") == "a\x81b"
    assert problems == []


def test_undeclared_8bit_text_uses_the_configured_fallbacks(settings) -> None:
    russian = "Сервер не отвечает"
    raw = (
        HEAD.encode() + b"Subject: " + "Ошибка".encode("koi8-r") + b"\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + russian.encode("koi8-r")
    )
    settings.PSM_MAIL_INPUT_ENCODINGS = charsets.parse_list("utf-8,koi8-r")
    mail = parse(raw)
    assert (mail.subject, mail.text) == ("Ошибка", russian)
    assert "text has no charset: read as koi8-r" in mail.problems
    settings.PSM_MAIL_INPUT_ENCODINGS = charsets.parse_list("utf-8,windows-1252")
    assert parse(raw).text != russian  # what the default would have made of it


def test_the_fallback_setting_is_checked_at_start() -> None:
    assert charsets.parse_list(" UTF-8 , windows-1255,utf-8") == ("utf-8", "cp1255")
    with pytest.raises(ImproperlyConfigured, match="'x-klingon' is not a known charset"):
        charsets.parse_list("utf-8,x-klingon")
    with pytest.raises(ImproperlyConfigured, match="at least one"):
        charsets.parse_list(" , ")


# -- attachment names and types ----------------------------------------------------------------


def multipart(part_headers: bytes, subject: str = "names") -> bytes:
    return (
        (HEAD + f"Subject: {subject}\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n").encode()
        + b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n"
        + part_headers
        + b"\r\n\r\nPayload\r\n--B--\r\n"
    )


def test_a_forwarded_message_is_named_by_its_decoded_subject() -> None:
    raw = (
        (HEAD + "Subject: fwd\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n").encode()
        + b"--B\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: bot@acme.example\r\nSubject: =?iso-8859-1?q?Pr=FCfung?= =?utf-8?q?_OK?=\r\n"
        b"\r\ninner\r\n--B--\r\n"
    )
    (attachment,) = parse(raw).attachments
    assert attachment.filename == "Prüfung OK.eml"


OCTETS = b"Content-Type: application/octet-stream\r\n"


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        (
            OCTETS + b'Content-Disposition: attachment; filename="=?utf-8?B?UmVwb3J0?= 2026.pdf"',
            "Report 2026.pdf",
        ),
        (
            OCTETS + b"Content-Disposition: attachment; filename*=x-sjis''%83T%81%5B%83o.txt",
            "サーバ.txt",
        ),
        (b'Content-Type: application/pdf; name="=?iso-8859-1?q?K=F6ln?=.pdf"', "Köln.pdf"),
        (OCTETS + b'Content-Disposition: attachment; filename="a/b\\\\c.txt"', "a_b_c.txt"),
    ],
)
def test_attachment_names_are_decoded(headers: bytes, name: str) -> None:
    (attachment,) = parse(multipart(headers)).attachments
    assert attachment.filename == name


def test_nul_bytes_in_names_and_types_are_removed() -> None:
    raw = multipart(b'Content-Type: application/pdf\x00; name="re\x00port.pdf"')
    mail = parse(raw)
    (attachment,) = mail.attachments
    assert attachment.filename == "report.pdf"
    assert attachment.content_type == "application/octet-stream"
    assert any("malformed Content-Type" in p for p in mail.problems)
