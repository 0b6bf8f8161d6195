"""The relevance rules in plain Python (no Django): is an advisory relevant to an install?

An advisory is relevant to an install when one of its vulnerabilities names the install's
catalog product, with an ``architecture`` (if any) found in the install's platform, and the
install's version is affected (an exact version or a range) and not ``fixed`` or
``known_not_affected`` in that vulnerability. ``under_investigation`` is relevant with that
status. The same function serves the incremental matcher, the full re-match and the
benchmark's naive all-pairs matcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from psm.advisories.csaf import AFFECTED
from psm.advisories.versions import Range, Unreadable, key_function, parse_vers

EXCLUDED = frozenset({"fixed", "first_fixed", "known_not_affected"})
FIX_HINTS = ("fixed", "first_fixed", "recommended")
RELEVANT_OR_EXCLUDING = AFFECTED | EXCLUDED | {"under_investigation"}


@dataclass(frozen=True)
class Stmt:
    """What the matcher needs of a ``Statement`` row."""

    id: int
    advisory_id: int
    vulnerability: str
    status: str
    product_id: int
    vers: str
    architecture: str
    version: str = ""


@dataclass(frozen=True)
class Inst:
    """What the matcher needs of an ``InstalledProduct`` row."""

    id: int
    account_id: int
    product_id: int
    product_name: str
    version: str
    platform: str
    site: str
    scheme: str


@dataclass(frozen=True)
class Decision:
    status: str  # "affected" or "under_investigation"
    reason: str
    fixed_in: str


@lru_cache(maxsize=65536)
def _range(vers: str, scheme: str) -> Range | None:
    try:
        return parse_vers(vers, scheme)
    except Unreadable:
        return None


def applies(stmt: Stmt, install: Inst) -> Range | None:
    """The statement's range when it covers the install, else None."""
    if stmt.architecture and stmt.architecture.lower() not in install.platform.lower():
        return None
    found = _range(stmt.vers, install.scheme) if stmt.vers else None
    if found is None:
        return None
    try:
        return found if found.contains(install.version, install.scheme) else None
    except Unreadable:
        return None  # the install's version is not of the product's scheme: never guess


def decide(install: Inst, statements: Iterable[Stmt]) -> Decision | None:
    """The relevance of one advisory's statements (about the install's product) to it."""
    by_vuln: dict[str, list[Stmt]] = {}
    for stmt in statements:
        if stmt.product_id == install.product_id:
            by_vuln.setdefault(stmt.vulnerability, []).append(stmt)
    affected: tuple[Stmt, Range] | None = None
    investigating: tuple[Stmt, Range] | None = None
    fixes: set[str] = set()
    for stmts in by_vuln.values():
        hit: tuple[Stmt, Range] | None = None
        looking: tuple[Stmt, Range] | None = None
        excluded = False
        for stmt in stmts:
            if stmt.status in FIX_HINTS and stmt.version:
                fixes.add(stmt.version)
            if stmt.status not in RELEVANT_OR_EXCLUDING:
                continue
            found = applies(stmt, install)
            if found is None:
                continue
            if stmt.status in EXCLUDED:
                excluded = True
            elif stmt.status in AFFECTED:
                hit = hit or (stmt, found)
            else:
                looking = looking or (stmt, found)
        if excluded:
            continue
        if hit is not None and affected is None:
            affected = hit
        if looking is not None and investigating is None:
            investigating = looking
    chosen = affected or investigating
    if chosen is None:
        return None
    stmt, found = chosen
    status = "affected" if affected is not None else "under_investigation"
    where = f" on {install.platform}" if stmt.architecture and install.platform else ""
    where += f" at {install.site}" if install.site else ""
    text = "all versions" if str(found) == "*" else str(found)
    verb = "is in" if status == "affected" else "is under investigation for"
    reason = f"{install.product_name} {install.version}{where} {verb} {text}"
    return Decision(status, reason[:500], _fixed_in(fixes, install.scheme))


def _fixed_in(versions: set[str], scheme: str) -> str:
    if not versions:
        return ""
    key = key_function(scheme if scheme != "generic" else "dotted")

    def order(v: str) -> tuple[int, object, str]:
        try:
            return (0, key(v), v)
        except Unreadable:
            return (1, 0, v)

    try:
        ordered = sorted(versions, key=order)
    except TypeError:
        ordered = sorted(versions)
    return ", ".join(ordered)[:300]


def naive_all_pairs(
    installs: Iterable[Inst], statements: Iterable[Stmt]
) -> dict[tuple[int, int], Decision]:
    """Every advisory against every install, nothing indexed: the benchmark's reference."""
    by_advisory: dict[int, list[Stmt]] = {}
    for stmt in statements:
        by_advisory.setdefault(stmt.advisory_id, []).append(stmt)
    found: dict[tuple[int, int], Decision] = {}
    installs = list(installs)
    for advisory_id, stmts in by_advisory.items():
        for install in installs:
            decision = decide(install, stmts)
            if decision is not None:
                found[(advisory_id, install.id)] = decision
    return found
