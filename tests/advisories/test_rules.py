"""The indexed matcher (binary search over sorted versions) gives exactly the answers of the
plain one (every statement against every install), on random ranges, statuses and installs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from psm.advisories.rules import Inst, ProductIndex, Stmt, decide, decide_indexed

versions = st.lists(st.integers(0, 4), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)
comparators = st.sampled_from(["", "<", "<=", ">", ">=", "!="])
ranges = st.one_of(
    st.just("vers:generic/*"),
    st.lists(st.tuples(comparators, versions), min_size=1, max_size=4).map(
        lambda cs: "vers:generic/" + "|".join(op + v for op, v in cs)
    ),
)
statuses = st.sampled_from(
    ["known_affected", "fixed", "known_not_affected", "under_investigation", "first_fixed"]
)
statements = st.lists(
    st.tuples(st.sampled_from(["CVE-A", "CVE-B"]), statuses, ranges, st.sampled_from(["", "x86"])),
    min_size=1,
    max_size=6,
)
installs = st.lists(
    st.tuples(st.one_of(versions, st.just("V7.2")), st.sampled_from(["Linux x86_64", "AIX", ""])),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(statements, installs)
def test_indexed_equals_plain(found_statements, found_installs) -> None:
    stmts = [
        Stmt(n, 1, vuln, status, 7, vers, arch, vers.split("/")[-1].lstrip("<>=!"))
        for n, (vuln, status, vers, arch) in enumerate(found_statements)
    ]
    insts = [
        Inst(n, 1, 7, "ClearCase", version, platform, "HQ", "dotted")
        for n, (version, platform) in enumerate(found_installs)
    ]
    plain = {i.id: decide(i, stmts) for i in insts}
    plain = {k: v for k, v in plain.items() if v is not None}
    assert decide_indexed(ProductIndex(insts), stmts) == plain
