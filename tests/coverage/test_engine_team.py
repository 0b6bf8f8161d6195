"""Who covers: primary, the absence's substitute, the assignment's substitute, the manager;
and on-call rotations with overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.team import (
    Absence,
    OnCallRotation,
    Override,
    TeamSpec,
    who_covers,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


DEC1, DEC4 = utc(2026, 12, 1, 5), utc(2026, 12, 4, 5)


def team(*absences: Absence, manager: str | None = "max") -> TeamSpec:
    return TeamSpec("jane", "bob", manager, absences)


def test_primary_covers_when_present_until_her_next_absence() -> None:
    cover = who_covers(team(Absence("jane", DEC1, DEC4, "carol")), utc(2026, 11, 20))
    assert cover.engineer == "jane"
    assert cover.until == DEC1
    assert cover.covering_for is None


def test_absence_substitute_covers_until_the_absence_ends() -> None:
    cover = who_covers(team(Absence("jane", DEC1, DEC4, "carol")), utc(2026, 12, 2))
    assert cover.engineer == "carol"
    assert cover.until == DEC4
    assert cover.covering_for == "jane"
    assert "jane is absent until 2026-12-04 05:00 UTC" in cover.reasons


def test_absence_is_half_open() -> None:
    t = team(Absence("jane", DEC1, DEC4, "carol"))
    assert who_covers(t, DEC1).engineer == "carol"
    assert who_covers(t, DEC4).engineer == "jane"
    assert who_covers(t, DEC1 - timedelta(microseconds=1)).engineer == "jane"


def test_absent_absence_substitute_falls_to_assignment_substitute() -> None:
    t = team(
        Absence("jane", DEC1, DEC4, "carol"),
        Absence("carol", utc(2026, 11, 30), utc(2026, 12, 2)),
    )
    cover = who_covers(t, utc(2026, 12, 1, 12))
    assert cover.engineer == "bob"
    assert cover.until == utc(2026, 12, 2)  # carol is back then
    assert who_covers(t, utc(2026, 12, 3)).engineer == "carol"


def test_absence_without_named_substitute_uses_assignment_substitute() -> None:
    cover = who_covers(team(Absence("jane", DEC1, DEC4)), utc(2026, 12, 2))
    assert cover.engineer == "bob"
    assert cover.until == DEC4


def test_everyone_absent_falls_to_the_manager() -> None:
    t = team(
        Absence("jane", DEC1, DEC4, "carol"),
        Absence("carol", DEC1, DEC4),
        Absence("bob", utc(2026, 11, 1), utc(2026, 12, 3)),
    )
    cover = who_covers(t, utc(2026, 12, 2))
    assert cover.engineer == "max"
    assert cover.until == utc(2026, 12, 3)
    assert cover.reasons[-1] == "max is the PSM manager and takes over"
    no_manager = TeamSpec("jane", "bob", None, t.absences)
    assert who_covers(no_manager, utc(2026, 12, 2)).engineer == "jane"


def test_stand_in_whose_own_absence_starts_later_bounds_until() -> None:
    t = team(Absence("jane", DEC1, DEC4, "carol"), Absence("carol", utc(2026, 12, 3), DEC4))
    assert who_covers(t, utc(2026, 12, 2)).until == utc(2026, 12, 3)


ROT = OnCallRotation(("bob", "carol"), utc(2026, 1, 5, 14), timedelta(hours=168))


def test_rotation_takes_turns_by_shift() -> None:
    assert ROT.at(utc(2026, 1, 5, 13)) is None  # before the rotation starts
    assert ROT.at(utc(2026, 1, 5, 14)) == "bob"
    assert ROT.at(utc(2026, 1, 12, 13, 59)) == "bob"
    assert ROT.at(utc(2026, 1, 12, 14)) == "carol"
    assert ROT.at(utc(2026, 1, 19, 14)) == "bob"
    explained = ROT.explain(utc(2026, 1, 13))
    assert explained is not None
    assert explained.until == utc(2026, 1, 19, 14)


def test_overrides_win_and_the_last_listed_wins_first() -> None:
    rot = OnCallRotation(
        ROT.rotation,
        ROT.start,
        ROT.shift,
        (
            Override("max", utc(2026, 2, 1), utc(2026, 2, 10)),
            Override("dave", utc(2026, 2, 3), utc(2026, 2, 4)),
        ),
    )
    assert rot.at(utc(2026, 2, 2)) == "max"
    assert rot.at(utc(2026, 2, 3, 12)) == "dave"
    assert rot.at(utc(2026, 2, 4)) == "max"  # half-open
    assert rot.at(utc(2026, 2, 10)) == ROT.at(utc(2026, 2, 10))
    assert TeamSpec("jane", on_call=rot).on_call_at(utc(2026, 2, 3, 12)) == "dave"
    assert TeamSpec("jane").on_call_at(utc(2026, 2, 3)) is None
    before = rot.explain(utc(2026, 1, 31))
    assert before is not None
    assert before.until == utc(2026, 2, 1)  # the override cuts the shift short


def test_team_round_trips_through_dict() -> None:
    rot = OnCallRotation(("bob",), ROT.start, ROT.shift, (Override("max", DEC1, DEC4),))
    t = TeamSpec("jane", "bob", "max", (Absence("jane", DEC1, DEC4, "carol"),), rot)
    assert TeamSpec.from_dict(t.to_dict()) == t


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "team.primary"),
        ({"primary": "jane", "boss": "x"}, "team.boss"),
        ({"primary": "jane", "absences": [{"engineer": "jane"}]}, "team.absences[0].start"),
        (
            {
                "primary": "jane",
                "absences": [
                    {
                        "engineer": "jane",
                        "start": "2026-12-04T00:00:00Z",
                        "end": "2026-12-01T00:00:00Z",
                    }
                ],
            },
            "team.absences[0].end",
        ),
        (
            {
                "primary": "jane",
                "absences": [
                    {"engineer": "jane", "start": "2026-12-01", "end": "2026-12-04T00:00Z"}
                ],
            },
            "team.absences[0].start",
        ),
        (
            {
                "primary": "jane",
                "on_call": {"rotation": ["bob"], "start": "2026-01-05T00:00:00Z", "shift_hours": 0},
            },
            "team.on_call.shift_hours",
        ),
        (
            {
                "primary": "jane",
                "on_call": {
                    "rotation": ["bob"],
                    "start": "2026-01-05T00:00:00Z",
                    "overrides": [
                        {
                            "engineer": 3,
                            "start": "2026-01-05T00:00:00Z",
                            "end": "2026-01-06T00:00:00Z",
                        }
                    ],
                },
            },
            "team.on_call.overrides[0].engineer",
        ),
    ],
)
def test_bad_team_names_the_field(data: object, field: str) -> None:
    with pytest.raises(SpecError) as exc:
        TeamSpec.from_dict(data)
    assert exc.value.field == field
