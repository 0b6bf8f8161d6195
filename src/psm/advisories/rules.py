"""The relevance rules in plain Python (no Django): is an advisory relevant to an install?

An advisory is relevant to an install when one of its vulnerabilities names the install's
catalog product, with an ``architecture`` (if any) found in the install's platform, and the
install's version is affected (an exact version or a range) and not ``fixed`` or
``known_not_affected`` in that vulnerability. ``under_investigation`` is relevant with that
status. The same function serves the incremental matcher, the full re-match and the
benchmark's naive all-pairs matcher.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

from psm.advisories.csaf import AFFECTED
from psm.advisories.versions import Range, Unreadable, key_function, parse_vers, prepared

EXCLUDED = frozenset({"fixed", "first_fixed", "known_not_affected"})
FIX_HINTS = ("fixed", "first_fixed", "recommended")
RELEVANT_OR_EXCLUDING = AFFECTED | EXCLUDED | {"under_investigation"}


class Stmt(NamedTuple):
    """What the matcher needs of a ``Statement`` row (a tuple: thousands are made at once)."""

    id: int
    advisory_id: int
    vulnerability: str
    status: str
    product_id: int
    vers: str
    architecture: str
    version: str = ""


class Inst(NamedTuple):
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
    return Decision(status, _reason(install, stmt, found, status), _fixed_in(fixes, install.scheme))


def _reason(install: Inst, stmt: Stmt, found: Range, status: str) -> str:
    """In words: "ClearCase 9.0.1 at Boston HQ is in >=9.0.0|<9.0.2.3"."""
    where = f" on {install.platform}" if stmt.architecture and install.platform else ""
    where += f" at {install.site}" if install.site else ""
    text = "all versions" if str(found) == "*" else str(found)
    verb = "is in" if status == "affected" else "is under investigation for"
    return f"{install.product_name} {install.version}{where} {verb} {text}"[:500]


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


class ProductIndex:
    """One product's installs sorted by version key: a range finds the installs it holds
    by binary search instead of being compared with every install."""

    def __init__(self, installs: list[Inst]) -> None:
        self.installs = installs
        self.scheme = installs[0].scheme if installs else "dotted"
        keyed: list[tuple[Any, int]] = []
        key = key_function(self.scheme)
        for n, install in enumerate(installs):
            try:
                keyed.append((key(install.version), n))
            except Unreadable:
                continue  # never in a range (only in "all versions")
        keyed.sort(key=lambda pair: pair[0])
        self.keys = [k for k, _ in keyed]
        self.order = [n for _, n in keyed]

    def within(self, found: Range) -> list[int]:
        """Positions (in ``installs``) of the installs whose version is in ``found``."""
        scheme = found.effective_scheme(self.scheme)
        if scheme != self.scheme and found.scheme not in ("generic", "all"):
            # A range of another scheme than the product's: compare one by one.
            return [n for n, i in enumerate(self.installs) if _safe_contains(found, i)]
        ready = prepared(found, scheme)
        if ready.everything:
            return list(range(len(self.installs)))
        keys, order = self.keys, self.order
        spans: list[tuple[int, int]] = []
        for point in ready.equal:
            spans.append((bisect_left(keys, point), bisect_right(keys, point)))
        bounds = ready.bounds
        if bounds:
            first_k, first_op = bounds[0]
            if first_op in ("<", "<="):
                spans.append((0, _upper(keys, first_op, first_k)))
            last_k, last_op = bounds[-1]
            if last_op in (">", ">="):
                spans.append((_lower(keys, last_op, last_k), len(keys)))
            for (k1, op1), (k2, op2) in pairwise(bounds):
                if op1 in (">", ">=") and op2 in ("<", "<="):
                    spans.append((_lower(keys, op1, k1), _upper(keys, op2, k2)))
        elif ready.only_not_equal:
            spans.append((0, len(keys)))
        found_positions: set[int] = set()
        for lo, hi in spans:
            found_positions.update(range(lo, hi))
        if ready.not_equal:
            out = {p for p in found_positions if keys[p] in ready.not_equal}
            equal = {p for p in out if keys[p] in ready.equal}
            found_positions -= out - equal
        return [order[p] for p in found_positions]


def _lower(keys: list[Any], op: str, k: Any) -> int:
    return bisect_left(keys, k) if op == ">=" else bisect_right(keys, k)


def _upper(keys: list[Any], op: str, k: Any) -> int:
    return bisect_right(keys, k) if op == "<=" else bisect_left(keys, k)


def _safe_contains(found: Range, install: Inst) -> bool:
    try:
        return found.contains(install.version, install.scheme)
    except Unreadable:
        return False


def decide_indexed(index: ProductIndex, statements: list[Stmt]) -> dict[int, Decision]:
    """``decide`` for every install of one product at once (same answers, by binary search):
    install id → decision, for the statements of one advisory about that product."""
    installs = index.installs
    by_vuln: dict[str, list[Stmt]] = {}
    fixes: set[str] = set()
    for stmt in statements:
        by_vuln.setdefault(stmt.vulnerability, []).append(stmt)
        if stmt.status in FIX_HINTS and stmt.version:
            fixes.add(stmt.version)
    affected: dict[int, tuple[Stmt, Range]] = {}
    investigating: dict[int, tuple[Stmt, Range]] = {}
    for stmts in by_vuln.values():
        hits: dict[int, tuple[Stmt, Range]] = {}
        looks: dict[int, tuple[Stmt, Range]] = {}
        excluded: set[int] = set()
        for stmt in stmts:
            if stmt.status not in RELEVANT_OR_EXCLUDING or not stmt.vers:
                continue
            found = _range(stmt.vers, index.scheme)
            if found is None:
                continue
            try:
                positions = index.within(found)
            except Unreadable:
                continue
            if stmt.architecture:
                arch = stmt.architecture.lower()
                positions = [p for p in positions if arch in installs[p].platform.lower()]
            if stmt.status in EXCLUDED:
                excluded.update(positions)
            else:
                target = hits if stmt.status in AFFECTED else looks
                for p in positions:
                    target.setdefault(p, (stmt, found))
        for p, hit in hits.items():
            if p not in excluded:
                affected.setdefault(p, hit)
        for p, hit in looks.items():
            if p not in excluded:
                investigating.setdefault(p, hit)
    if not affected and not investigating:
        return {}
    fixed_in = _fixed_in(fixes, index.scheme)
    result: dict[int, Decision] = {}
    for p in affected.keys() | investigating.keys():
        install = installs[p]
        status = "affected" if p in affected else "under_investigation"
        stmt, found = affected.get(p) or investigating[p]
        result[install.id] = Decision(status, _reason(install, stmt, found, status), fixed_in)
    return result


def naive_all_pairs(
    installs: Iterable[Inst], statements: Iterable[Stmt]
) -> dict[tuple[int, int], Decision]:
    """Every advisory against every install, nothing indexed: the benchmark's reference.
    Each pair is looked at; a pair whose product the advisory does not name is dismissed
    with one set lookup, the others go through ``decide`` (one install, version by version)."""
    by_advisory: dict[int, list[Stmt]] = {}
    for stmt in statements:
        by_advisory.setdefault(stmt.advisory_id, []).append(stmt)
    found: dict[tuple[int, int], Decision] = {}
    installs = list(installs)
    for advisory_id, stmts in by_advisory.items():
        named = {stmt.product_id for stmt in stmts}
        for install in installs:
            if install.product_id not in named:
                continue
            decision = decide(install, stmts)
            if decision is not None:
                found[(advisory_id, install.id)] = decision
    return found
