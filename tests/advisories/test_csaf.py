"""Reading CSAF 2.0: the OASIS examples, the product tree, statuses, scores, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psm.advisories import csaf
from psm.testing import advisories as t

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.name)
def test_every_oasis_example_reads(path: Path) -> None:
    doc = csaf.parse(path.read_bytes())
    assert doc.tracking_id
    assert doc.revision
    assert not doc.problems


def test_red_hat_relationships_resolve_to_component_on_platform() -> None:
    doc = csaf.parse((DATA / "rhsa-2022_0011.json").read_bytes())
    fixed = [s for s in doc.statements if s.status == "fixed"]
    assert fixed
    one = next(s for s in fixed if s.product.architecture == "x86_64")
    assert one.product.platform.startswith("Red Hat Enterprise Linux")
    assert "as a component of" in one.product.full_name
    assert doc.severity == "high"  # aggregate_severity "Important", no CVSS
    assert doc.tlp == "WHITE"
    assert one.remediation.startswith("Vendor fix")


def test_cisco_scores_and_many_products() -> None:
    doc = csaf.parse((DATA / "cisco-sa-20180328-smi2.json").read_bytes())
    assert doc.score == 9.8
    assert doc.severity == "critical"
    assert doc.cves == ["CVE-2018-0171"]
    assert len({s.product.product_id for s in doc.statements}) > 200


def test_product_family_only_products_read() -> None:
    doc = csaf.parse((DATA / "2022-evd-uc-09-001.json").read_bytes())
    families = {s.product.family for s in doc.statements}
    assert families == {"PROD_ALPHA", "PROD_BETA"}


def test_product_groups_expand_in_remediations() -> None:
    doc = t.document(
        branches=[
            t.product(
                "IBM",
                "ClearCase",
                t.leaf("product_version", "9.0.1", "P1"),
                t.leaf("product_version", "9.0.2", "P2"),
            )
        ],
        product_groups=[{"group_id": "G1", "product_ids": ["P1", "P2"]}],
        vulnerabilities=[
            {
                **t.vulnerability(known_affected=["P1", "P2"]),
                "remediations": [
                    {
                        "category": "vendor_fix",
                        "details": "Install fix pack 3.",
                        "group_ids": ["G1"],
                    }
                ],
            }
        ],
    )
    found = csaf.parse(t.raw(doc))
    assert {s.product.version for s in found.statements} == {"9.0.1", "9.0.2"}
    assert all("fix pack 3" in s.remediation for s in found.statements)
    assert found.remediations[0]["product_ids"] == ["P1", "P2"]


def test_relationship_built_on_a_relationship_and_identifiers() -> None:
    doc = t.document(
        branches=[t.product("IBM", "ClearCase", t.leaf("product_version", "9.0.1", "CC"))],
        full_product_names=[
            {
                "name": "Windows Server 2022",
                "product_id": "WIN",
                "product_identification_helper": {
                    "cpe": "cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*"
                },
            },
            {
                "name": "IBM ClearCase",
                "product_id": "CPE-ONLY",
                "product_identification_helper": {"purl": "pkg:generic/ibm/clearcase@9.1.0.2"},
            },
        ],
        relationships=[
            {
                "category": "installed_on",
                "full_product_name": {"name": "ClearCase 9.0.1 on Windows", "product_id": "CC-WIN"},
                "product_reference": "CC",
                "relates_to_product_reference": "WIN",
            }
        ],
        vulnerabilities=[t.vulnerability(known_affected=["CC-WIN", "CPE-ONLY"])],
    )
    found = {s.product.product_id: s.product for s in csaf.parse(t.raw(doc)).statements}
    assert found["CC-WIN"].name == "ClearCase"
    assert found["CC-WIN"].version == "9.0.1"
    assert found["CC-WIN"].platform == "Windows Server 2022"
    assert found["CPE-ONLY"].version == "9.1.0.2"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not json", "not JSON"),
        (b"[1, 2]", "not a CSAF document"),
        (json.dumps({"document": {"csaf_version": "1.2"}}).encode(), "not a CSAF 2.0 document"),
        (
            json.dumps({"document": {"csaf_version": "2.0", "tracking": {}}}).encode(),
            "no tracking.id",
        ),
        (b"\xff\xfe\x00garbage", "not JSON"),
    ],
)
def test_bad_files_are_rejected_with_the_reason(content: bytes, reason: str) -> None:
    with pytest.raises(csaf.Rejected, match=reason):
        csaf.parse(content)


def test_schema_violations_name_the_path() -> None:
    doc = t.document()
    doc["document"]["tracking"]["status"] = "published"  # not draft/final/interim
    with pytest.raises(csaf.Rejected, match="/document/tracking/status"):
        csaf.parse(t.raw(doc))


def test_revisions_order() -> None:
    key = csaf.revision_key
    assert key("2") > key("1")
    assert key("10") > key("9")
    assert key("1.0.0") == key("1")
    assert key("2.0.0") > key("2.0.0-rc.1")
    assert key("1.2.0+build5") == key("1.2.0")
