"""The short version of benchmarks/fuzz.py, plus every input it ever crashed on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import strategies as st

from psm.channels.email.parse import parse
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.simulate import run_scenario
from psm.testing.fuzz import TARGETS, Target, fuzz, register

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", ["mail", "coverage", "csaf"])
def test_a_short_run_finds_no_crash(name: str) -> None:
    report = fuzz(TARGETS[name], 400, seed=1)
    assert report.inputs == 400
    assert not report.crashes, report.crashes[0].trace
    assert report.answered > 0
    assert report.second_half_growth_mb < 64


@pytest.mark.parametrize("path", sorted(HERE.glob("mail-*.eml")), ids=lambda p: p.name)
def test_mail_that_once_crashed_the_parser(path: Path) -> None:
    parsed = parse(path.read_bytes())
    assert parsed.problems, "the damage is recorded as a problem"


@pytest.mark.parametrize("path", sorted(HERE.glob("coverage-*.json")), ids=lambda p: p.name)
def test_scenarios_that_once_crashed_the_engine(path: Path) -> None:
    with pytest.raises(SpecError):
        run_scenario(json.loads(path.read_bytes()))


def test_the_fuzzer_finds_a_planted_bug() -> None:
    """A target with a bug (it chokes on a NUL byte) is caught, and the input is kept."""

    def toy(data: bytes) -> object:
        if b"\x00" in data:
            raise KeyError("planted")
        if not data:
            raise ValueError("empty")
        return len(data)

    target = register(
        Target(
            name="toy",
            run=toy,
            expected=(ValueError,),
            seeds=[b"hello"],
            generate=st.binary(max_size=20),
        )
    )
    try:
        report = fuzz(target, 500, seed=3)
    finally:
        TARGETS.pop("toy")
    assert report.crashes and all(b"\x00" in c.data for c in report.crashes if c.data)
    assert report.crashes[0].error == "KeyError: 'planted'"
