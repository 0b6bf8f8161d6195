"""Fuzzing PSM's parsers of outside input: hypothesis generates inputs and mutates real ones.

A **target** is a parser that takes bytes from the outside world. It either answers or
raises one of its documented, clear errors; anything else is a crash, recorded with the
input that caused it (the run goes on). Memory is sampled as the run goes; a parser that
keeps growing is reported.

Targets register themselves in ``TARGETS``: the mail parser, the coverage scenario parser
and the CSAF advisory reader are here. Another parser joins with one call, from any module
named with ``--target-module`` on ``benchmarks/fuzz.py`` (or imported here)::

    from psm.testing.fuzz import Target, register

    register(Target(
        name="csaf",
        run=lambda data: import_csaf_document(data),     # bytes in
        expected=(CsafError,),                           # its clear errors
        seeds=load_seeds("tests/advisories/csaf/*.json"),
        generate=json_documents(CSAF_KEYS),              # a hypothesis strategy of bytes
    ))
"""

from __future__ import annotations

import gc
import json
import random
import resource
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Target:
    name: str
    run: Callable[[bytes], object]
    expected: tuple[type[BaseException], ...]
    seeds: list[bytes]
    generate: st.SearchStrategy[bytes]
    check: Callable[[bytes, object], None] | None = None  # invariants of a good answer
    # How an input is mutated (default: byte edits); JSON formats edit the document.
    mutator: Callable[[random.Random, Sequence[bytes]], bytes] | None = None
    # Empties the parser's own bounded caches (LRU) before a memory sample, so what still
    # grows is memory nothing will give back: a leak. None: nothing to empty.
    reset: Callable[[], None] | None = None


@dataclass
class Crash:
    error: str
    trace: str
    data: bytes


@dataclass
class Report:
    target: str
    inputs: int = 0
    answered: int = 0
    refused: int = 0  # a documented error: the parser said clearly what was wrong
    crashes: list[Crash] = field(default_factory=list)
    seconds: float = 0.0
    slowest: float = 0.0
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_samples: list[float] = field(default_factory=list)

    @property
    def growth_mb(self) -> float:
        """Growth after the first tenth of the run (caches and imports warm up first)."""
        if len(self.rss_samples) < 2:
            return 0.0
        settled = self.rss_samples[max(1, len(self.rss_samples) // 10)]
        return self.rss_samples[-1] - settled

    @property
    def second_half_growth_mb(self) -> float:
        """Growth over the second half of the run, sampled after the target's bounded caches
        were emptied (``Target.reset``): near 0 unless something leaks."""
        if len(self.rss_samples) < 4:
            return 0.0
        return self.rss_samples[-1] - self.rss_samples[len(self.rss_samples) // 2]


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    TARGETS[target.name] = target
    return target


def rss_mb() -> float:
    """The process's resident memory now (Linux /proc), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


# --- mutation ---------------------------------------------------------------------------

_TOKENS = [
    b"\r\n",
    b"\n\n",
    b"\x00",
    b"\xff\xfe",
    b"=?utf-8?b?",
    b"?=",
    b"=?x-unknown?q?=ff?=",
    b"--",
    b"boundary=",
    b'Content-Type: multipart/mixed; boundary="b"\r\n',
    b"Content-Transfer-Encoding: base64\r\n",
    b'charset="gb18030"',
    b"%",
    b"\\",
    b'"',
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"null",
    b"1e309",
    b"-1",
    b"99999999999999999999",
    b"\xed\xa0\x80",
    b"A" * 1000,
    b"<",
    b">",
    b"@",
    b"T25:61:00Z",
    b"2026-02-30",
]


def mutate(rng: random.Random, pool: Sequence[bytes]) -> bytes:
    """An input of the pool put through 1-8 random edits: bit flips, cuts, inserted
    tokens, repeats, random bytes, splices with another input, truncation."""
    data = bytearray(rng.choice(pool))
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(7)
        at = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            del data[at : at + rng.randrange(1, 64)]
        elif op == 2:
            data[at:at] = rng.choice(_TOKENS)
        elif op == 3 and data:
            end = min(len(data), at + rng.randrange(1, 256))
            data[at:at] = data[at:end] * rng.randrange(2, 6)
        elif op == 4:
            data[at:at] = rng.randbytes(rng.randrange(1, 32))
        elif op == 5:
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            data = data[:at] + bytearray(other[cut:])
        else:
            data = data[:at]
    return bytes(data[:2_000_000])


_JSON_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    59,
    1e308,
    10**30,
    "",
    "P1",
    "P4",
    "x",
    [],
    {},
    [[]],
    "2026-03-08T02:30:00-05:00",
    "2026-02-29T12:00:00Z",
    "25:00",
    "00:00",
    "24x7",
]


def mutate_json(rng: random.Random, pool: Sequence[bytes]) -> bytes:
    """Edit a JSON input as a document (values, digits inside strings, deletions,
    duplicates, splices), and now and then as bytes."""
    try:
        doc = json.loads(rng.choice(pool))
    except ValueError:
        return mutate(rng, pool)
    if rng.random() < 0.2:
        return mutate(rng, [json.dumps(doc).encode()])
    for _ in range(rng.randint(1, 4)):
        slots = list(_slots(doc))
        if not slots:
            break
        parent, key = rng.choice(slots)
        value = parent[key]
        op = rng.randrange(5)
        if op == 0:
            parent[key] = json.loads(json.dumps(rng.choice(_JSON_VALUES)))
        elif op == 1 and isinstance(value, str) and any(c.isdigit() for c in value):
            digits = [i for i, c in enumerate(value) if c.isdigit()]
            at = rng.choice(digits)
            parent[key] = value[:at] + str(rng.randrange(10)) + value[at + 1 :]
        elif op == 2:
            if isinstance(parent, list):
                parent.pop(key)
            else:
                del parent[key]
        elif op == 3 and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(value)))
        else:
            other_parent, other_key = rng.choice(slots)
            parent[key] = json.loads(json.dumps(other_parent[other_key]))
    return json.dumps(doc).encode()


def _slots(node: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, dict):
        for key in list(node):
            yield node, key
            yield from _slots(node[key])
    elif isinstance(node, list):
        for index in range(len(node)):
            yield node, index
            yield from _slots(node[index])


# --- mail -------------------------------------------------------------------------------

_HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Reply-To",
    "Auto-Submitted",
    "Precedence",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "MIME-Version",
    "X-Auto-Response-Suppress",
    "List-Id",
    "Return-Path",
    "X-PSM-Loop",
]
_CTYPES = [
    "text/plain",
    "text/html",
    "multipart/mixed",
    "multipart/alternative",
    "message/rfc822",
    "multipart/report",
    "application/octet-stream",
    "image/png",
    "text/calendar",
]
_CHARSETS = ["utf-8", "iso-8859-1", "shift_jis", "big5", "koi8-r", "x-unknown", "utf-16", ""]
_ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", ""]


_VALUES = [
    "<a@b>",
    "=?utf-8?q?=C3=A9t=C3=A9?=",
    "=?iso-8859-1?b?6Q==?=",
    "=?bogus?x?zz?=",
    "Mon, 32 Jan 2026 25:00:00 +9999",
    "Tue, 10 Mar 2026 14:30:00 +0000",
    "auto-replied",
    "bulk",
    '"unterminated',
    "a@",
    "@b",
    "<<>>",
    "Alma <alma@acme.example>",
    "acme+42@psm.localhost",
    "[ACME-42] Re: disk",
    "P1 urgent",
    "<x@y>, <z@w>",
    "",
    "multipart/mixed; boundary=",
    'text/plain; charset="utf-8"',
    "base64",
    "no",
]
_SNIPPETS = ["Hello", "\r\n", "é", "日本", "=C3=A9", "=\r\n", "PGh0bWw+", "<p>hi</p>", "-- ", ">"]


def _header_value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(_VALUES),
        st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
        st.lists(st.sampled_from(_VALUES + _SNIPPETS), max_size=4).map(" ".join),
    )


def _body() -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(st.sampled_from(_SNIPPETS + _VALUES), max_size=20).map("".join),
        st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    )


@st.composite
def _mime_part(draw: Any, depth: int = 0) -> str:
    ctype = draw(st.sampled_from(_CTYPES))
    charset = draw(st.sampled_from(_CHARSETS))
    encoding = draw(st.sampled_from(_ENCODINGS))
    headers = f'Content-Type: {ctype}; charset="{charset}"\r\n'
    if encoding:
        headers += f"Content-Transfer-Encoding: {encoding}\r\n"
    if draw(st.booleans()):
        name = draw(_header_value())
        headers += f'Content-Disposition: attachment; filename="{name}"\r\n'
    if ctype.startswith("multipart/") and depth < 4:
        boundary = draw(st.sampled_from(["b1", "b2", "", "x" * 80, "b1"]))
        headers = f'Content-Type: {ctype}; boundary="{boundary}"\r\n'
        parts = draw(st.lists(_mime_part(depth + 1), max_size=4))
        body = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts)
        if draw(st.booleans()):
            body += f"--{boundary}--\r\n"
        return headers + "\r\n" + body
    return headers + "\r\n" + str(draw(_body()))


@st.composite
def emails(draw: Any) -> bytes:
    lines = [
        f"{draw(st.sampled_from(_HEADER_NAMES))}: {draw(_header_value())}"
        for _ in range(draw(st.integers(0, 12)))
    ]
    head = "\r\n".join(line.replace("\n", " ") for line in lines)
    body = draw(_mime_part()) if draw(st.booleans()) else "\r\n" + draw(_body())
    raw: bytes = (head + "\r\n" + body).encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        raw += bytes(draw(st.binary(max_size=200)))
    return raw


def _mail_seeds() -> list[bytes]:
    found = sorted((ROOT / "tests" / "channels" / "email" / "corpus").glob("*.eml"))
    seeds = [p.read_bytes() for p in found]
    return seeds or [
        b"From: a@b.example\r\nTo: acme@psm.localhost\r\nSubject: hi\r\n\r\nbody\r\n",
    ]


def _parse_mail(data: bytes) -> object:
    from psm.channels.email.parse import parse

    return parse(data)


def _check_mail(data: bytes, parsed: Any) -> None:
    for name in ("message_id", "subject", "text", "html", "from_address"):
        value = getattr(parsed, name, "")
        assert isinstance(value, str), f"{name} is {type(value).__name__}"
    for attachment in getattr(parsed, "attachments", []):
        assert isinstance(attachment.payload, bytes)


register(
    Target(
        name="mail",
        run=_parse_mail,
        expected=(),  # the mail parser never refuses: problems are recorded on the message
        seeds=_mail_seeds(),
        generate=emails(),
        check=_check_mail,
    )
)


# --- coverage scenarios -------------------------------------------------------------------

_SCENARIO_SEED: dict[str, Any] = {
    "plan": {
        "timezone": "America/New_York",
        "hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"country": "US", "subdiv": None, "add": ["2026-12-24"], "remove": []},
        "always_covered": ["P1"],
        "first_response_minutes": {"P1": 60, "P2": 240, "P3": 480, "P4": 960},
    },
    "team": {
        "primary": "jane",
        "substitute": "bob",
        "manager": "max",
        "absences": [
            {
                "engineer": "jane",
                "start": "2026-12-01T00:00:00-05:00",
                "end": "2026-12-04T00:00:00-05:00",
                "substitute": "carol",
            }
        ],
        "on_call": {
            "rotation": ["bob", "carol"],
            "start": "2026-01-05T09:00:00-05:00",
            "shift_hours": 168,
            "overrides": [],
        },
    },
    "queries": [
        {"op": "route", "priority": "P1", "at": "2026-12-25T08:00:00Z"},
        {"op": "due", "priority": "P2", "at": "2026-03-06T21:00:00Z", "minutes": 240},
        {
            "op": "covered_between",
            "priority": "P3",
            "start": "2026-03-01T00:00:00Z",
            "end": "2026-03-31T00:00:00Z",
            "pauses": [{"start": "2026-03-05T00:00:00Z", "end": "2026-03-06T00:00:00Z"}],
        },
    ],
}

_ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
    "Mars/Base",
    "",
    "America/St_Johns",
    "Asia/Kolkata",
]
_PRIORITIES = ["P1", "P2", "P3", "P4", "P5", "", "p1"]


def _priority() -> st.SearchStrategy[str]:
    return st.sampled_from(_PRIORITIES[:4] * 4 + _PRIORITIES[4:])


_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] * 3 + ["funday"]


def _clock() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
        st.sampled_from(["08:00", "17:00", "00:00", "23:59", "12:30"]),
        st.sampled_from(["25:00", "8", "", "08:00:00", "24:00", "-1:00"]),
    )


def _instant() -> st.SearchStrategy[str]:
    return st.one_of(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)).map(
            lambda d: d.replace(microsecond=0).isoformat() + "Z"
        ),
        st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)).map(
            lambda d: d.isoformat() + "+05:45"
        ),
        st.sampled_from(
            [
                "2026-03-08T02:30:00-05:00",
                "2026-10-25T02:30:00+02:00",
                "2026-02-30T00:00:00Z",
                "2026-12-31T23:59:59+14:00",
                "now",
                "",
                "2026-03-08T07:30:00Z",
                "9999-12-31T23:59:59Z",
            ]
        ),
    )


def _hours() -> st.SearchStrategy[object]:
    return st.one_of(
        st.dictionaries(
            st.sampled_from(_DAYS),
            st.lists(st.lists(_clock(), min_size=2, max_size=2), max_size=3),
            max_size=7,
        ),
        st.sampled_from(["24x7", None, {}, [], "weekdays"]),
    )


@st.composite
def _query(draw: Any) -> dict[str, object]:
    op = draw(st.sampled_from(["route", "due", "covered_between", "route", "explode"]))
    query: dict[str, object] = {"op": op, "priority": draw(_priority())}
    if op in ("route", "due"):
        query["at"] = draw(_instant())
    if op == "due":
        query["minutes"] = draw(st.one_of(st.integers(0, 10**5), st.integers(-10, 10**8)))
    if op == "covered_between":
        query["start"], query["end"] = draw(_instant()), draw(_instant())
    if op != "route" and draw(st.booleans()):
        query["pauses"] = draw(
            st.lists(st.fixed_dictionaries({"start": _instant(), "end": _instant()}), max_size=3)
        )
    if draw(st.integers(0, 19)) == 7:
        query[draw(st.sampled_from(["extra", "at", "op"]))] = draw(_LEAVES)
    return query


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(_PRIORITIES + _ZONES),
)


@st.composite
def scenarios(draw: Any) -> bytes:
    """The seed scenario with typed edits (zones, hours, holidays, team, queries at odd
    instants), now and then a wrong type, a missing or an unknown field."""
    scenario = json.loads(json.dumps(_SCENARIO_SEED))
    plan, team = scenario["plan"], scenario["team"]
    if draw(st.booleans()):
        plan["timezone"] = draw(st.sampled_from(_ZONES[:6] * 3 + _ZONES[6:]))
    if draw(st.booleans()):
        plan["hours"] = draw(_hours())
    if draw(st.booleans()):
        plan["holidays"] = {
            "country": draw(st.sampled_from(["US", "DE", "NP", "GB", "JP", "IN", "XX", ""])),
            "subdiv": draw(st.sampled_from([None, None, None, None, "ZZ"])),
            "add": draw(st.lists(st.sampled_from(["2026-12-24", "2026-02-30", "x"]), max_size=2)),
            "remove": [],
        }
    if draw(st.booleans()):
        plan["always_covered"] = draw(st.lists(_priority(), max_size=4))
    if draw(st.booleans()):
        team["absences"] = [
            {
                "engineer": draw(st.sampled_from(["jane", "bob", "jane", "nobody", ""])),
                "start": draw(_instant()),
                "end": draw(_instant()),
                "substitute": draw(st.sampled_from(["carol", None, "jane"])),
            }
            for _ in range(draw(st.integers(0, 3)))
        ]
    if draw(st.booleans()):
        team["on_call"]["shift_hours"] = draw(st.sampled_from([1, 12, 168, 24, 0, -5, 10**9]))
    scenario["queries"] = draw(st.lists(_query(), min_size=1, max_size=6))
    if draw(st.integers(0, 19)) == 7:  # a structural accident
        victim = draw(st.sampled_from(["plan", "team", "queries", "unknown"]))
        if draw(st.booleans()):
            scenario.pop(victim, None)
        else:
            scenario[victim] = draw(_LEAVES)
    return json.dumps(scenario).encode()


def _run_scenario(data: bytes) -> object:
    from psm.coverage.engine.simulate import run_scenario

    return run_scenario(json.loads(data))  # ValueError: not JSON (the CLI says so)


def _scenario_expected() -> tuple[type[BaseException], ...]:
    from psm.coverage.engine.errors import SpecError

    return (SpecError, json.JSONDecodeError, UnicodeDecodeError)


def _clear_engine_caches() -> None:
    from psm.coverage.engine import calendar, holidays

    calendar._timeline_for.cache_clear()
    calendar._segments.cache_clear()
    holidays._names.cache_clear()


def _check_scenario(data: bytes, answer: Any) -> None:
    json.dumps(answer)  # the CLI prints it: it must be JSON
    assert isinstance(answer, dict) and isinstance(answer.get("answers"), list)


register(
    Target(
        name="coverage",
        run=_run_scenario,
        expected=_scenario_expected(),
        seeds=[json.dumps(_SCENARIO_SEED).encode()],
        generate=scenarios(),
        check=_check_scenario,
        mutator=mutate_json,
        reset=_clear_engine_caches,
    )
)


# --- CSAF advisories ----------------------------------------------------------------------


def _csaf_seeds() -> list[bytes]:
    found = sorted((ROOT / "tests" / "advisories" / "data").glob("*.json"))
    return [p.read_bytes() for p in found] or [b'{"document": {}}']


def _parse_csaf(data: bytes) -> object:
    from psm.advisories.csaf import parse

    return parse(data)


def _csaf_expected() -> tuple[type[BaseException], ...]:
    from psm.advisories.csaf import Rejected

    return (Rejected,)


def _check_csaf(data: bytes, doc: Any) -> None:
    assert isinstance(doc.tracking_id, str) and doc.tracking_id, "a tracking id"
    assert isinstance(doc.revision, str)


def _csaf_documents() -> st.SearchStrategy[bytes]:
    seeds = _csaf_seeds()
    return st.randoms(use_true_random=False).map(lambda rng: mutate_json(rng, seeds))


register(
    Target(
        name="csaf",
        run=_parse_csaf,
        expected=_csaf_expected(),
        seeds=_csaf_seeds(),
        generate=_csaf_documents(),
        check=_check_csaf,
        mutator=mutate_json,
    )
)


# --- the run ----------------------------------------------------------------------------


def fuzz(
    target: Target,
    inputs: int,
    *,
    seed: int = 0,
    generated_share: float = 0.05,
    progress: Callable[[Report], None] | None = None,
) -> Report:
    """Feed ``inputs`` inputs to ``target``: first hypothesis-generated ones
    (``generated_share`` of them, drawn in rounds of 500 so hypothesis's own bookkeeping
    stays small), then fast random mutations of the seeds and of what was generated."""
    report = Report(target.name, rss_start_mb=rss_mb())
    every = max(1, inputs // 50)
    rng = random.Random(seed)
    pool: list[bytes] = list(target.seeds)
    started = time.perf_counter()

    def keep(data: bytes) -> None:
        # Inputs the parser accepted are the ones worth mutating further (a parser that
        # refuses a mutant early never reaches its deeper code).
        if len(pool) < 2000:
            pool.append(data)
        else:
            pool[rng.randrange(len(target.seeds), len(pool))] = data

    def feed(data: bytes) -> None:
        report.inputs += 1
        begun = time.perf_counter()
        try:
            answer = target.run(data)
            if target.check is not None:
                target.check(data, answer)
            report.answered += 1
            if rng.random() < 0.1:
                keep(data)
        except target.expected:
            report.refused += 1
        except Exception as exc:  # any other error is a crash: keep it and go on
            detailed = len(report.crashes) < 100
            report.crashes.append(
                Crash(
                    f"{type(exc).__name__}: {exc}"[:300],
                    traceback.format_exc() if detailed else "",
                    data if detailed else b"",
                )
            )
        report.slowest = max(report.slowest, time.perf_counter() - begun)
        if report.inputs % every == 0:
            report.rss_peak_mb = max(report.rss_peak_mb, rss_mb())
            if target.reset is not None:
                target.reset()
                gc.collect()
            now = rss_mb()
            report.rss_samples.append(now)
            report.rss_peak_mb = max(report.rss_peak_mb, now)
            if progress is not None:
                progress(report)

    generated = min(inputs, max(1, int(inputs * generated_share)))
    while report.inputs < generated:
        wanted = min(500, generated - report.inputs)
        fed_before = report.inputs

        @settings(
            max_examples=wanted,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(target.generate)
        def round_(data: bytes) -> None:
            if report.inputs >= generated:
                return
            feed(data)

        round_ = seed_round(round_, rng.randrange(2**32))
        round_()
        if report.inputs == fed_before:
            break
    mutator = target.mutator or mutate
    while report.inputs < inputs:
        feed(mutator(rng, pool))
    report.seconds = time.perf_counter() - started
    report.rss_end_mb = rss_mb()
    report.rss_peak_mb = max(report.rss_peak_mb, report.rss_end_mb)
    return report


def seed_round(test: Callable[[], None], value: int) -> Callable[[], None]:
    return seed(value)(test)
