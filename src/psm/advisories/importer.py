"""Import CSAF documents: from files and folders (``psm advisories import``), an upload
(the staff page) or a provider's distribution (the poller). One file, one transaction: a bad
file is rejected with its name and the reason (and kept, nothing received is lost) and the
rest still import. A higher ``tracking.version`` replaces the earlier revision and re-matches;
an equal or older one changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from psm.advisories import csaf
from psm.advisories.matching import Catalog, bound_first_last, classify, cpe_key, purl_key
from psm.advisories.models import Advisory, Feed, Rejection, ReviewState, Statement
from psm.advisories.services import rematch_advisories
from psm.audit.models import record
from psm.team.models import User

log = logging.getLogger(__name__)
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    needs_review: int = 0
    advisories: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "needs_review": self.needs_review,
        }

    def add(self, other: ImportReport) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.needs_review += other.needs_review
        self.advisories += other.advisories


def files_under(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each named file, and every ``.json`` file under each named folder (sorted)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def import_paths(paths: Iterable[str | Path], actor: User | None = None) -> ImportReport:
    report = ImportReport()
    catalog = Catalog.load()
    for path in files_under(paths):
        try:
            if path.stat().st_size > MAX_BYTES:
                raise OSError(f"larger than {MAX_BYTES // 1024 // 1024} MB")
            raw = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            report.rejected.append({"file": str(path), "error": reason})
            continue
        report.add(import_document(raw, str(path), actor=actor, catalog=catalog))
    return report


def import_document(
    raw: bytes,
    source: str,
    *,
    actor: User | None = None,
    catalog: Catalog | None = None,
    feed: Feed | None = None,
) -> ImportReport:
    """Import one document; the report counts it once as imported, updated, unchanged or
    rejected. Matching and the PSM's work items follow in the same transaction."""
    report = ImportReport()
    name = Path(source).name if "://" not in source else source
    try:
        doc = csaf.parse(raw)
    except csaf.Rejected as exc:
        report.rejected.append({"file": name, "error": str(exc)})
        Rejection.objects.create(source=source[:500], reason=str(exc), content=raw, feed=feed)
        return report
    catalog = catalog or Catalog.load()
    with transaction.atomic():
        advisory = Advisory.objects.select_for_update().filter(tracking_id=doc.tracking_id).first()
        if advisory is not None and csaf.revision_key(doc.revision) <= csaf.revision_key(
            advisory.revision
        ):
            report.unchanged = 1
            return report
        created = advisory is None
        advisory = advisory or Advisory(tracking_id=doc.tracking_id)
        previous = advisory.revision
        kept = _reviewed_readings(advisory) if not created else {}
        _fill(advisory, doc, raw, source)
        advisory.save()
        if not created:
            advisory.statements.all().delete()
        statements = _statements(advisory, doc, catalog, kept)
        Statement.objects.bulk_create(statements, batch_size=1000)
        report.needs_review = sum(s.review_state == ReviewState.OPEN for s in statements)
        record(
            actor,
            "advisory.import" if created else "advisory.revise",
            advisory,
            changes={"revision": [previous, doc.revision] if previous else doc.revision},
        )
        rematch_advisories([advisory.pk], revised=not created)
    if created:
        report.imported = 1
    else:
        report.updated = 1
    report.advisories.append(advisory.pk)
    return report


def _fill(advisory: Advisory, doc: csaf.Document, raw: bytes, source: str) -> None:
    import json

    advisory.revision = doc.revision[:60]
    advisory.title = doc.title[:500]
    advisory.publisher = doc.publisher[:200]
    advisory.category = doc.category[:60]
    advisory.tlp = doc.tlp[:10]
    advisory.doc_status = doc.doc_status[:20]
    advisory.initial_release = doc.initial_release
    advisory.current_release = doc.current_release
    advisory.cves = doc.cves
    advisory.score = doc.score
    advisory.severity = doc.severity
    advisory.notes = doc.notes
    advisory.remediations = doc.remediations
    advisory.references = doc.references
    advisory.problems = doc.problems
    advisory.document = json.loads(raw)
    advisory.source = source[:500]


def _reviewed_readings(advisory: Advisory) -> dict[tuple[str, str], tuple[str, str]]:
    """A person's reading of a free-text range survives a new revision with the same text."""
    return {
        (s.product_ref, s.version_range or s.version): (s.vers, s.review_state)
        for s in advisory.statements.filter(
            review_state__in=[ReviewState.RESOLVED, ReviewState.IGNORED]
        )
    }


def _statements(
    advisory: Advisory,
    doc: csaf.Document,
    catalog: Catalog,
    kept: dict[tuple[str, str], tuple[str, str]],
) -> list[Statement]:
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for found in doc.statements:
        p = found.product
        key = (found.vulnerability, found.status, p.product_id)
        if key in seen:
            continue
        seen.add(key)
        statement = Statement(
            advisory=advisory,
            vulnerability=found.vulnerability[:200],
            status=found.status,
            product_ref=p.product_id[:400],
            full_name=p.full_name[:500],
            vendor=p.vendor[:200],
            product_name=(p.name or p.family)[:300],
            name_key=(p.name or p.family).strip().lower()[:300],
            alt_key=p.full_name.strip().lower()[:300],
            purl_key=purl_key(p.purl)[:300],
            cpe_key=cpe_key(p.cpe)[:300],
            version=p.version[:200],
            version_range=p.version_range[:500],
            architecture=p.architecture[:100],
            platform=p.platform[:300],
            purl=p.purl[:400],
            cpe=p.cpe[:400],
            remediation=found.remediation,
        )
        statement.catalog_product_id = catalog.resolve(statement)
        reading = kept.get((statement.product_ref, statement.version_range or statement.version))
        if reading is not None:
            statement.vers, statement.review_state = reading
        else:
            classify(statement, catalog.schemes.get(statement.catalog_product_id or 0))
        rows.append(statement)
    bound_first_last(rows)
    return rows
