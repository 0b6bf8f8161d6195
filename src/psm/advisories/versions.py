"""Version comparison and ``vers`` ranges, in plain Python (no Django).

Vendors number releases with dotted integers (``9.0.2.10``) and compare them field by field:
``9.0.2.10`` > ``9.0.2.3`` and ``9.1`` = ``9.1.0``. That is our own comparator
(``dotted_key``); ``univers`` reads ``vers:generic`` as semver and orders 4-part versions
wrongly, so it is used only for the schemes it implements faithfully (semver, PEP 440, npm,
Maven, NuGet, RubyGems, Debian, RPM, Go).

A ``vers`` range (https://github.com/package-url/purl-spec, VERSION-RANGE-SPEC) is
``vers:<scheme>/<constraint>|<constraint>…`` where a constraint is ``*`` or a comparator
(``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``; none means ``=``) and a version. Anything we
cannot read raises ``Unreadable`` with the reason: a range is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

DOTTED = re.compile(r"^\d+(?:\.\d+)*$")
# vers schemes that univers implements faithfully, and its class for each.
UNIVERS_SCHEMES = {
    "semver": "SemverVersion",
    "pypi": "PypiVersion",
    "npm": "SemverVersion",
    "maven": "MavenVersion",
    "nuget": "NugetVersion",
    "gem": "RubygemsVersion",
    "deb": "DebianVersion",
    "rpm": "RpmVersion",
    "golang": "GolangVersion",
}
# ``generic`` and our own default compare as dotted numeric versions.
DOTTED_SCHEMES = {"dotted", "generic"}
COMPARATORS = ("<=", ">=", "!=", "<", ">", "=")


class Unreadable(ValueError):
    """A version or range we cannot read; the message says why, in words."""


@lru_cache(maxsize=262144)
def dotted_key(version: str) -> tuple[int, ...]:
    """``"9.0.2.10"`` → ``(9, 0, 2, 10)``; trailing zero fields dropped so 9.1 == 9.1.0."""
    text = version.strip()
    if not DOTTED.match(text):
        raise Unreadable(f"{version!r} is not a dotted numeric version")
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    if parts == [0]:
        return ()
    return tuple(parts)


def compare_dotted(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` is older than, the same as or newer than ``b``."""
    ka, kb = dotted_key(a), dotted_key(b)
    return (ka > kb) - (ka < kb)


@cache
def _univers_class(scheme: str) -> Any:
    from univers import versions

    return getattr(versions, UNIVERS_SCHEMES[scheme])


@cache
def key_function(scheme: str) -> Callable[[str], Any]:
    """A function turning a version of ``scheme`` into something ordered; raises Unreadable."""
    if scheme in DOTTED_SCHEMES:
        return dotted_key
    if scheme not in UNIVERS_SCHEMES:
        raise Unreadable(f"unknown version scheme {scheme!r}")
    cls = _univers_class(scheme)

    def key(version: str) -> Any:
        text = version.strip()
        try:
            if not text or not cls.is_valid(text):
                raise Unreadable(f"{version!r} is not a {scheme} version")
            return cls(text)
        except Unreadable:
            raise
        except Exception as exc:  # univers raises a variety of errors on bad input
            raise Unreadable(f"{version!r} is not a {scheme} version ({exc})") from None

    return key


@dataclass(frozen=True)
class Constraint:
    comparator: str  # one of COMPARATORS, or "*"
    version: str

    def __str__(self) -> str:
        if self.comparator == "*":
            return "*"
        return f"{'' if self.comparator == '=' else self.comparator}{self.version}"


@dataclass(frozen=True)
class Range:
    """A parsed ``vers`` range; ``contains`` compares under ``scheme`` (or a product's)."""

    scheme: str
    constraints: tuple[Constraint, ...]

    def __str__(self) -> str:
        return "|".join(str(c) for c in self.constraints)

    def vers(self) -> str:
        return f"vers:{self.scheme}/{self}"

    def effective_scheme(self, product_scheme: str) -> str:
        """``generic`` ranges follow the product's declared scheme; others their own."""
        return product_scheme if self.scheme in ("generic", "all") else self.scheme

    def check(self, product_scheme: str = "dotted") -> None:
        """Raise Unreadable unless every version of the range reads under its scheme."""
        key = key_function(self.effective_scheme(product_scheme))
        for constraint in self.constraints:
            if constraint.comparator != "*":
                key(constraint.version)

    def contains(self, version: str, product_scheme: str = "dotted") -> bool:
        """The vers algorithm: equalities first, then the intervals the sorted bounds make."""
        scheme = self.effective_scheme(product_scheme)
        prepared = _prepare(self, scheme)
        if prepared.everything:
            return True
        v = key_function(scheme)(version)
        if v in prepared.equal:
            return True
        if v in prepared.not_equal:
            return False
        bounds = prepared.bounds
        if not bounds:
            return prepared.only_not_equal
        first_k, first_op = bounds[0]
        if first_op in ("<", "<=") and _holds(v, first_op, first_k):
            return True
        last_k, last_op = bounds[-1]
        if last_op in (">", ">=") and _holds(v, last_op, last_k):
            return True
        for (k1, op1), (k2, op2) in pairwise(bounds):
            if (
                op1 in (">", ">=")
                and op2 in ("<", "<=")
                and _holds(v, op1, k1)
                and _holds(v, op2, k2)
            ):
                return True
        return False


@dataclass(frozen=True)
class _Prepared:
    """A range ready to compare: ``equal`` and ``not_equal`` points, sorted ``bounds``."""

    everything: bool
    equal: list[Any]
    not_equal: list[Any]
    bounds: list[tuple[Any, str]]
    only_not_equal: bool


def prepared(found: Range, scheme: str) -> _Prepared:
    """The range's versions as keys of ``scheme`` (cached); raises Unreadable."""
    return _prepare(found, scheme)


@lru_cache(maxsize=65536)
def _prepare(found: Range, scheme: str) -> _Prepared:
    """A range's versions read once per scheme (ranges are matched against many installs)."""
    if any(c.comparator == "*" for c in found.constraints):
        return _Prepared(True, [], [], [], False)
    key = key_function(scheme)
    equal, not_equal, bounds = [], [], []
    for c in found.constraints:
        k = key(c.version)
        if c.comparator == "=":
            equal.append(k)
        elif c.comparator == "!=":
            not_equal.append(k)
        else:
            bounds.append((k, c.comparator))
    bounds.sort(key=lambda b: b[0])
    return _Prepared(False, equal, not_equal, bounds, not equal and not bounds)


def _holds(v: Any, op: str, k: Any) -> bool:
    if op == "<":
        return bool(v < k)
    if op == "<=":
        return bool(v <= k)
    if op == ">":
        return bool(v > k)
    return bool(v >= k)


VERS = re.compile(r"^vers:([a-z0-9.+-]+)/(.*)$", re.IGNORECASE)


def parse_vers(text: str, product_scheme: str = "dotted") -> Range:
    """Read ``vers:generic/>=9.0.0|<9.0.2.3``; raise Unreadable (with the reason) otherwise."""
    raw = text.strip()
    match = VERS.match(raw.replace(" ", ""))
    if not match:
        raise Unreadable(f"{text!r} is not a vers range")
    scheme, body = match.group(1).lower(), match.group(2)
    if scheme == "all" and body == "*":
        return Range("all", (Constraint("*", ""),))  # every version of any scheme
    if scheme not in DOTTED_SCHEMES and scheme not in UNIVERS_SCHEMES:
        raise Unreadable(f"unknown vers scheme {scheme!r} in {text!r}")
    if not body:
        raise Unreadable(f"{text!r} has no constraints")
    constraints = []
    for part in body.split("|"):
        if part == "*":
            constraints.append(Constraint("*", ""))
            continue
        comparator = next((c for c in COMPARATORS if part.startswith(c)), "=")
        version = part[len(comparator) :] if part.startswith(comparator) else part
        if not version:
            raise Unreadable(f"{text!r}: a constraint without a version")
        constraints.append(Constraint(comparator, version))
    if any(c.comparator == "*" for c in constraints) and len(constraints) > 1:
        raise Unreadable(f"{text!r}: '*' must stand alone")
    result = Range(scheme, tuple(constraints))
    result.check(product_scheme)
    return result


def exact(version: str, scheme: str) -> Range:
    """The range holding one version (a ``product_version`` branch), checked under ``scheme``."""
    result = Range("generic" if scheme in DOTTED_SCHEMES else scheme, (Constraint("=", version),))
    result.check(scheme)
    return result


def same_version(a: str, b: str, scheme: str) -> bool:
    key = key_function(scheme)
    return bool(key(a) == key(b))
