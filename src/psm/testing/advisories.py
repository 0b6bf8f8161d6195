"""Test helpers for advisories: CSAF documents built in code, a catalog with installs, and
account B's objects for the URL walker."""

from __future__ import annotations

import json
from typing import Any

from psm.accounts import services as account_services
from psm.accounts.models import Account, InstalledProduct, Product
from psm.advisories.importer import import_document
from psm.advisories.models import AccountAdvisory, Advisory, ItemState, Statement
from psm.testing.book import Book


def leaf(category: str, value: str, product_id: str, full_name: str = "") -> dict[str, Any]:
    return {
        "category": category,
        "name": value,
        "product": {"name": full_name or f"{value}", "product_id": product_id},
    }


def branch(category: str, name: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"category": category, "name": name, "branches": list(children)}


def product(
    vendor: str, name: str, *leaves: dict[str, Any], arch: str | None = None
) -> dict[str, Any]:
    inner: list[dict[str, Any]] = list(leaves)
    if arch:
        inner = [branch("architecture", arch, *leaves)]
    return branch("vendor", vendor, branch("product_name", name, *inner))


def vulnerability(
    cve: str = "CVE-2026-0001", score: float | None = None, **status: list[str]
) -> dict[str, Any]:
    found: dict[str, Any] = {"cve": cve, "product_status": status}
    if score is not None:
        ids = sorted({pid for ids in status.values() for pid in ids})
        vector = {
            9.8: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            7.5: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            5.3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
        }[score]
        found["scores"] = [
            {
                "products": ids,
                "cvss_v3": {
                    "version": "3.1",
                    "vectorString": vector,
                    "baseScore": score,
                    "baseSeverity": "CRITICAL"
                    if score >= 9
                    else "HIGH"
                    if score >= 7
                    else "MEDIUM",
                },
            }
        ]
    return found


def document(
    tracking_id: str = "PSM-TEST-0001",
    version: str = "1",
    *,
    branches: list[dict[str, Any]] | None = None,
    vulnerabilities: list[dict[str, Any]] | None = None,
    full_product_names: list[dict[str, Any]] | None = None,
    relationships: list[dict[str, Any]] | None = None,
    product_groups: list[dict[str, Any]] | None = None,
    tlp: str | None = "WHITE",
    title: str = "ClearCase remote code execution",
) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    if branches:
        tree["branches"] = branches
    if full_product_names:
        tree["full_product_names"] = full_product_names
    if relationships:
        tree["relationships"] = relationships
    if product_groups:
        tree["product_groups"] = product_groups
    doc: dict[str, Any] = {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "publisher": {
                "category": "vendor",
                "name": "IBM Rational",
                "namespace": "https://rational.example.com",
            },
            "title": title,
            "notes": [{"category": "summary", "text": "A flaw lets a remote user run code."}],
            "tracking": {
                "current_release_date": "2026-03-01T10:00:00Z",
                "id": tracking_id,
                "initial_release_date": "2026-03-01T10:00:00Z",
                "revision_history": [
                    {"date": "2026-03-01T10:00:00Z", "number": version, "summary": "Initial"}
                ],
                "status": "final",
                "version": version,
            },
        }
    }
    if tlp:
        doc["document"]["distribution"] = {"tlp": {"label": tlp}}
    if tree:
        doc["product_tree"] = tree
    if vulnerabilities:
        doc["vulnerabilities"] = vulnerabilities
    return doc


def raw(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def clearcase_doc(
    tracking_id: str = "PSM-CC-0001", version: str = "1", **kwargs: Any
) -> dict[str, Any]:
    """ClearCase >=9.0.0|<9.0.2.3 affected, 9.0.2.3 fixed, with a vendor fix."""
    doc = document(
        tracking_id,
        version,
        branches=[
            product(
                "IBM",
                "Rational ClearCase",
                leaf("product_version_range", "vers:generic/>=9.0.0|<9.0.2.3", "CC-AFF"),
                leaf("product_version", "9.0.2.3", "CC-FIX"),
            )
        ],
        vulnerabilities=[
            {
                **vulnerability("CVE-2026-1111", 9.8, known_affected=["CC-AFF"], fixed=["CC-FIX"]),
                "remediations": [
                    {
                        "category": "vendor_fix",
                        "details": "Upgrade to ClearCase 9.0.2.3.",
                        "product_ids": ["CC-AFF"],
                        "url": "https://rational.example.com/fix/9.0.2.3",
                    }
                ],
            }
        ],
        **kwargs,
    )
    return doc


def catalog(book: Book) -> dict[str, Any]:
    """ClearCase (alias "Rational ClearCase") installed at A (Boston) and B (Berlin)."""
    clearcase = account_services.save_product(
        None,
        Product(name="ClearCase", slug="clearcase", vendor="IBM", aliases="Rational ClearCase"),
    )
    doors = account_services.save_product(None, Product(name="DOORS", slug="doors", vendor="IBM"))
    a_site = book.a.sites.first()
    b_site = book.b.sites.first()
    a_cc = install(book.a, clearcase, "9.0.1", "Linux x86_64", a_site)
    a_new = install(book.a, clearcase, "9.0.2.10", "Linux x86_64", a_site)
    b_cc = install(book.b, clearcase, "9.0.2", "Windows Server 2022", b_site)
    a_doors = install(book.a, doors, "9.7", "Windows", a_site)
    return {
        "clearcase": clearcase,
        "doors": doors,
        "a_cc": a_cc,
        "a_new": a_new,
        "b_cc": b_cc,
        "a_doors": a_doors,
    }


def install(
    account: Account, product: Product, version: str, platform: str = "", site: Any = None
) -> InstalledProduct:
    return account_services.save_install(
        None,
        InstalledProduct(
            account=account, product=product, version=version, platform=platform, site=site
        ),
    )


def imported(doc: dict[str, Any], name: str = "doc.json") -> Advisory:
    report = import_document(raw(doc), name)
    assert not report.rejected, report.rejected
    return Advisory.objects.get(tracking_id=doc["document"]["tracking"]["id"])


def foreign_item(book: Book) -> AccountAdvisory:
    """A delivered advisory item of account B (with one install action)."""
    existing = AccountAdvisory.objects.filter(account=book.b).first()
    if existing is not None:
        return existing
    found = catalog(book) if not Product.objects.filter(name="ClearCase").exists() else None
    del found
    imported(clearcase_doc("PSM-FOREIGN-1"))
    item = AccountAdvisory.objects.get(account=book.b)
    book.contact_b.receives_advisories = True
    book.contact_b.save()
    from psm.advisories.services import deliver

    deliver(book.bob, item)
    item.refresh_from_db()
    assert item.state == ItemState.DELIVERED
    return item


def foreign_action_id(book: Book) -> int:
    return foreign_item(book).actions.get().pk


def some_statement(book: Book) -> Statement:
    foreign_item(book)
    return Statement.objects.get(pk=Statement.objects.order_by("pk").values("pk")[:1])


# --- a CSAF provider on a local HTTP server ----------------------------------------------

import hashlib  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402


@dataclass
class Provider:
    """Serves ``files`` (path → bytes) over HTTP on 127.0.0.1; records each GET."""

    server: ThreadingHTTPServer
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def publish(self, path: str, doc: dict[str, Any], stamp: str, *, sha256: bool = True) -> None:
        """Put a document in the white directory and on top of changes.csv."""
        body = raw(doc)
        self.files[f"csaf/white/{path}"] = body
        if sha256:
            digest = hashlib.sha256(body).hexdigest()
            self.files[f"csaf/white/{path}.sha256"] = (
                f"{digest}  {path.rsplit('/', 1)[-1]}\n".encode()
            )
        lines = [f'"{path}","{stamp}"']
        old = self.files.get("csaf/white/changes.csv", b"").decode().splitlines()
        lines += [line for line in old if not line.startswith(f'"{path}"')]
        self.files["csaf/white/changes.csv"] = ("\n".join(lines) + "\n").encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_provider() -> Provider:
    provider: Provider

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            provider.requests.append(path)
            body = provider.files.get(path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider = Provider(server=server)
    provider.files[".well-known/csaf/provider-metadata.json"] = json.dumps(
        {
            "canonical_url": provider.base + ".well-known/csaf/provider-metadata.json",
            "distributions": [{"directory_url": provider.base + "csaf/white/"}],
            "last_updated": "2026-03-01T10:00:00Z",
            "list_on_CSAF_aggregators": True,
            "metadata_version": "2.0",
            "mirror_on_CSAF_aggregators": True,
            "publisher": {
                "category": "vendor",
                "name": "IBM Rational",
                "namespace": "https://rational.example.com",
            },
            "role": "csaf_provider",
        }
    ).encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return provider
