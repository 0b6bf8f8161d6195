"""Read a CSAF 2.0 document into plain values (no Django): validation, the product tree,
statuses, scores, remediations.

Validation uses ``jsonschema`` with the official OASIS CSAF 2.0 schema and FIRST's CVSS
schemas, shipped in ``schema/`` and resolved from a local registry, so it never touches the
network. We chose it over the ``csaf`` package's validator because it is the reference
implementation of the JSON Schema the standard itself publishes (2020-12 draft), it is typed
and stable, and it adds one small dependency instead of five (the ``csaf`` CLI pulls in a
YAML parser, msgspec, a JSONPath library and its own date-versioned API).

Every product id is resolved to what advisories say about a product: vendor, family, name,
version or version range, architecture, package URL and CPE, from ``branches`` (walked to
the leaf), ``full_product_names`` and ``relationships`` (a component *on* a platform);
``product_groups`` expand wherever a group id may appear (remediations, scores, threats).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

STATUSES = (
    "known_affected",
    "first_affected",
    "last_affected",
    "fixed",
    "first_fixed",
    "known_not_affected",
    "under_investigation",
    "recommended",
)
AFFECTED = frozenset({"known_affected", "first_affected", "last_affected"})
FIXED = frozenset({"fixed", "first_fixed"})
SEVERITIES = ("critical", "high", "medium", "low", "none")
# Words of ``aggregate_severity`` (Red Hat, Cisco, BSI…) in our scale.
SEVERITY_WORDS = {
    "critical": "critical",
    "important": "high",
    "high": "high",
    "moderate": "medium",
    "medium": "medium",
    "low": "low",
    "none": "none",
    "informational": "none",
}


class Rejected(ValueError):
    """Why a file is not an advisory we can import (shown with the file's name)."""


@dataclass(frozen=True)
class Product:
    """What one product id stands for."""

    product_id: str
    full_name: str = ""
    vendor: str = ""
    family: str = ""
    name: str = ""
    version: str = ""
    version_range: str = ""
    architecture: str = ""
    purl: str = ""
    cpe: str = ""
    platform: str = ""  # from a relationship: "… installed on <platform>"


@dataclass(frozen=True)
class Statement:
    """One status of one product in one vulnerability."""

    vulnerability: str
    status: str
    product: Product
    remediation: str = ""


@dataclass
class Document:
    tracking_id: str
    revision: str
    title: str
    publisher: str
    category: str
    tlp: str
    doc_status: str
    initial_release: datetime | None
    current_release: datetime | None
    cves: list[str]
    score: float | None
    severity: str
    notes: list[dict[str, str]]
    remediations: list[dict[str, Any]]
    references: list[dict[str, str]]
    statements: list[Statement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4, DRAFT7

    folder = resources.files("psm.advisories.schema")

    def load(name: str) -> Any:
        return json.loads(folder.joinpath(name).read_text(encoding="utf-8"))

    cvss = [
        ("https://www.first.org/cvss/cvss-v2.0.json", "cvss-v2.0.json", DRAFT4),
        ("https://www.first.org/cvss/cvss-v3.0.json", "cvss-v3.0.json", DRAFT4),
        ("https://www.first.org/cvss/cvss-v3.1.json", "cvss-v3.1.json", DRAFT7),
    ]
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(load(name), default_specification=spec))
        for uri, name, spec in cvss
    )
    schema = load("csaf-2.0.json")
    return Draft202012Validator(schema, registry=registry)


def schema_errors(data: Any, limit: int = 3) -> list[str]:
    """The first few schema violations, each with its JSON path."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    out = []
    for error in errors[:limit]:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        out.append(f"{where}: {error.message[:200]}")
    return out


def parse(raw: bytes | str) -> Document:
    """Read, validate and resolve one document; raise Rejected with the reason."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
        raise Rejected("not a CSAF document (no 'document' object)")
    document = data["document"]
    if document.get("csaf_version") != "2.0":
        raise Rejected(
            f"not a CSAF 2.0 document (csaf_version is {document.get('csaf_version')!r})"
        )
    tracking = document.get("tracking")
    if not isinstance(tracking, dict) or not str(tracking.get("id") or "").strip():
        raise Rejected("no tracking.id")
    errors = schema_errors(data)
    if errors:
        raise Rejected("does not follow the CSAF 2.0 schema: " + "; ".join(errors))
    return _read(data)


def _read(data: dict[str, Any]) -> Document:
    document = data["document"]
    tracking = document["tracking"]
    products, groups = resolve_products(data.get("product_tree") or {})
    vulnerabilities = data.get("vulnerabilities") or []
    cves: list[str] = []
    best: float | None = None
    statements: list[Statement] = []
    remediations: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, vuln in enumerate(vulnerabilities):
        label = vuln.get("cve") or vuln.get("title") or f"vulnerability {index + 1}"
        if vuln.get("cve"):
            cves.append(vuln["cve"])
        for score in vuln.get("scores") or []:
            value = cvss_base(score)
            if value is not None and (best is None or value > best):
                best = value
        fixes: dict[str, list[str]] = {}
        for remediation in vuln.get("remediations") or []:
            ids = _expand(remediation.get("product_ids"), remediation.get("group_ids"), groups)
            text = _remediation_text(remediation)
            remediations.append(
                {
                    "vulnerability": label,
                    "category": remediation.get("category", ""),
                    "details": remediation.get("details", ""),
                    "url": remediation.get("url", ""),
                    "product_ids": sorted(ids),
                }
            )
            for pid in ids:
                fixes.setdefault(pid, []).append(text)
        for status in STATUSES:
            for pid in (vuln.get("product_status") or {}).get(status) or []:
                # Statuses name product ids; a group id there is not CSAF, but read it.
                for one in _expand([pid], [pid] if pid in groups else [], groups):
                    product = products.get(one)
                    if product is None:
                        problems.append(f"{label}: unknown product id {one!r} in {status}")
                        continue
                    statements.append(
                        Statement(label, status, product, "\n".join(fixes.get(one, [])))
                    )
    severity = severity_of(best)
    if best is None:
        word = str((document.get("aggregate_severity") or {}).get("text") or "").lower()
        severity = SEVERITY_WORDS.get(word.strip(), "")
    tlp = str(((document.get("distribution") or {}).get("tlp") or {}).get("label") or "")
    notes = [
        {"category": n.get("category", ""), "title": n.get("title", ""), "text": n["text"]}
        for n in (document.get("notes") or [])
        if n.get("text")
    ]
    for vuln in vulnerabilities:
        for n in vuln.get("notes") or []:
            if n.get("category") in ("summary", "description") and n.get("text"):
                notes.append(
                    {
                        "category": n["category"],
                        "title": n.get("title") or vuln.get("cve") or "",
                        "text": n["text"],
                    }
                )
    references = [
        {"summary": r.get("summary", ""), "url": r.get("url", "")}
        for r in document.get("references") or []
    ]
    return Document(
        tracking_id=str(tracking["id"]).strip(),
        revision=str(tracking.get("version") or "1"),
        title=str(document.get("title") or tracking["id"]),
        publisher=str((document.get("publisher") or {}).get("name") or ""),
        category=str(document.get("category") or ""),
        tlp=tlp.upper(),
        doc_status=str(tracking.get("status") or ""),
        initial_release=_when(tracking.get("initial_release_date")),
        current_release=_when(tracking.get("current_release_date")),
        cves=sorted(set(cves)),
        score=best,
        severity=severity,
        notes=notes,
        remediations=remediations,
        references=references,
        statements=statements,
        problems=problems,
    )


def resolve_products(tree: dict[str, Any]) -> tuple[dict[str, Product], dict[str, set[str]]]:
    """Every product id of the tree and what it stands for; every group id and its products."""
    products: dict[str, Product] = {}

    def helper(entry: dict[str, Any]) -> dict[str, str]:
        found = entry.get("product_identification_helper") or {}
        cpe = str(found.get("cpe") or "")
        purl = str(found.get("purl") or "")
        return {"cpe": cpe, "purl": purl}

    def walk(branches: list[dict[str, Any]], path: dict[str, str]) -> None:
        for branch in branches:
            here = dict(path)
            category = branch.get("category", "")
            name = str(branch.get("name", ""))
            key = {
                "vendor": "vendor",
                "product_family": "family",
                "product_name": "name",
                "product_version": "version",
                "product_version_range": "version_range",
                "architecture": "architecture",
            }.get(category)
            if key:
                here[key] = name
            leaf = branch.get("product")
            if isinstance(leaf, dict) and leaf.get("product_id"):
                products[leaf["product_id"]] = Product(
                    product_id=leaf["product_id"],
                    full_name=str(leaf.get("name", "")),
                    **here,
                    **helper(leaf),
                )
            walk(branch.get("branches") or [], here)

    walk(tree.get("branches") or [], {})
    for entry in tree.get("full_product_names") or []:
        if entry.get("product_id") and entry["product_id"] not in products:
            products[entry["product_id"]] = Product(
                product_id=entry["product_id"],
                full_name=str(entry.get("name", "")),
                name=str(entry.get("name", "")),
                **helper(entry),
            )
    # Relationships may build on each other; resolve until nothing new appears.
    pending = list(tree.get("relationships") or [])
    while pending:
        progressed = False
        for rel in list(pending):
            full = rel.get("full_product_name") or {}
            component = products.get(rel.get("product_reference", ""))
            platform = products.get(rel.get("relates_to_product_reference", ""))
            if not full.get("product_id") or component is None:
                if not full.get("product_id"):
                    pending.remove(rel)
                continue
            platform_name = platform.full_name or platform.name if platform else ""
            products[full["product_id"]] = replace(
                component,
                product_id=full["product_id"],
                full_name=str(full.get("name") or component.full_name),
                platform=platform_name or str(rel.get("relates_to_product_reference", "")),
                **{k: v for k, v in helper(full).items() if v},
            )
            pending.remove(rel)
            progressed = True
        if not progressed:
            break
    for pid, product in list(products.items()):
        if not product.version and not product.version_range:
            version = version_from_identifiers(product.purl, product.cpe)
            if version:
                products[pid] = replace(product, version=version)
    groups = {
        g["group_id"]: set(g.get("product_ids") or [])
        for g in tree.get("product_groups") or []
        if g.get("group_id")
    }
    return products, groups


def version_from_identifiers(purl: str, cpe: str) -> str:
    """The version a package URL (``pkg:generic/ibm/clearcase@9.0.1``) or a CPE 2.3
    (``cpe:2.3:a:ibm:clearcase:9.0.1:*:…``) names, or ""."""
    if purl.startswith("pkg:") and "@" in purl:
        version = purl.split("@", 1)[1].split("?", 1)[0].split("#", 1)[0]
        if version:
            from urllib.parse import unquote

            return unquote(version)
    fields = cpe.split(":")
    if cpe.startswith("cpe:2.3:") and len(fields) > 5 and fields[5] not in ("*", "-", ""):
        return fields[5].replace("\\", "")
    return ""


def _expand(
    product_ids: list[str] | None, group_ids: list[str] | None, groups: dict[str, set[str]]
) -> set[str]:
    ids = {pid for pid in product_ids or [] if pid not in groups}
    for gid in group_ids or []:
        ids |= groups.get(gid, set())
    return ids


def _remediation_text(remediation: dict[str, Any]) -> str:
    label = {
        "vendor_fix": "Vendor fix",
        "mitigation": "Mitigation",
        "workaround": "Workaround",
        "none_available": "No fix available",
        "no_fix_planned": "No fix planned",
    }.get(remediation.get("category", ""), "Remediation")
    text = f"{label}: {' '.join(str(remediation.get('details', '')).split())}"
    if remediation.get("url"):
        text += f" ({remediation['url']})"
    return text


def cvss_base(score: dict[str, Any]) -> float | None:
    """The base score of a ``scores`` entry: computed from the vector by ``cvss`` (the
    document's own number only when the vector cannot be read)."""
    from cvss import CVSS2, CVSS3
    from cvss.exceptions import CVSSError

    for key, cls in (("cvss_v3", CVSS3), ("cvss_v2", CVSS2)):
        block = score.get(key)
        if not isinstance(block, dict):
            continue
        vector = block.get("vectorString")
        if isinstance(vector, str):
            try:
                return float(cls(vector).scores()[0])
            except (CVSSError, ValueError, KeyError, IndexError):
                pass
        if isinstance(block.get("baseScore"), (int, float)):
            return float(block["baseScore"])
    return None


def severity_of(score: float | None) -> str:
    """CVSS v3 qualitative rating of a base score."""
    if score is None:
        return ""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0:
        return "low"
    return "none"


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def revision_key(revision: str) -> tuple[Any, ...]:
    """Order ``tracking.version`` values: integers (``"3"``) or semantic versions
    (``"1.2.0"``, ``"2.0.0-rc.1"`` before ``"2.0.0"``); build metadata is ignored."""
    text = revision.strip().split("+", 1)[0]
    core, _, pre = text.partition("-")
    parts = []
    for piece in core.split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    pre_key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".") if p)
    return (tuple(parts), 0 if pre else 1, pre_key)
