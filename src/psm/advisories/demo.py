"""Demo advisories for ``psm demo``: six CSAF documents that meet the demo book's installs —
one delivered to Acme and acknowledged (one install applied), several waiting for review, a
free-text range waiting for a person, a TLP:AMBER one and one that affects nobody.
Idempotent (a document already imported is unchanged)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from psm.accounts.models import Account, Contact, Product
from psm.accounts.services import save_product
from psm.advisories import services
from psm.advisories.importer import import_document
from psm.advisories.models import AccountAdvisory, ItemState
from psm.team.models import User

VECTORS = {
    "critical": ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    "high": ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
    "medium": ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),
}


def _doc(
    tracking_id: str,
    title: str,
    summary: str,
    product: str,
    leaves: list[tuple[str, str, str]],
    statuses: dict[str, list[str]],
    *,
    cve: str,
    severity: str,
    fix: str = "",
    tlp: str = "WHITE",
    released: str = "2026-03-02T09:00:00Z",
) -> dict[str, Any]:
    vector, score = VECTORS[severity]
    affected = sorted({pid for ids in statuses.values() for pid in ids})
    vulnerability: dict[str, Any] = {
        "cve": cve,
        "notes": [{"category": "description", "text": summary}],
        "product_status": statuses,
        "scores": [
            {
                "products": affected,
                "cvss_v3": {
                    "version": "3.1",
                    "vectorString": vector,
                    "baseScore": score,
                    "baseSeverity": severity.upper(),
                },
            }
        ],
    }
    if fix:
        vulnerability["remediations"] = [
            {
                "category": "vendor_fix",
                "details": fix,
                "product_ids": statuses.get("known_affected", affected),
                "url": "https://rational.example.com/support/fixes",
            }
        ]
    return {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": tlp}},
            "notes": [{"category": "summary", "text": summary}],
            "publisher": {
                "category": "vendor",
                "name": "IBM Rational",
                "namespace": "https://rational.example.com",
            },
            "title": title,
            "tracking": {
                "current_release_date": released,
                "id": tracking_id,
                "initial_release_date": released,
                "revision_history": [{"date": released, "number": "1", "summary": "Initial"}],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "IBM",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": product,
                            "branches": [
                                {
                                    "category": category,
                                    "name": value,
                                    "product": {"name": f"{product} {value}", "product_id": pid},
                                }
                                for category, value, pid in leaves
                            ],
                        }
                    ],
                }
            ]
        },
        "vulnerabilities": [vulnerability],
    }


DOCUMENTS = [
    _doc(
        "RATL-2026-0007",
        "ClearCase: remote code execution in the VOB server",
        "A crafted RPC request lets an unauthenticated user run code on a VOB server.",
        "Rational ClearCase",
        [
            ("product_version_range", "vers:generic/>=8.0.0|<8.0.0.7", "CC-8"),
            ("product_version", "8.0.0.7", "CC-FIX"),
        ],
        {"known_affected": ["CC-8"], "fixed": ["CC-FIX"]},
        cve="CVE-2026-21007",
        severity="critical",
        fix="Install ClearCase 8.0.0.7 (fix pack 7) on every VOB and view server.",
    ),
    _doc(
        "RATL-2026-0011",
        "DOORS: database server accepts weak TLS ciphers",
        "The DOORS database server offers TLS ciphers that let a network attacker read traffic.",
        "DOORS",
        [("product_version_range", "vers:generic/>=10.0|<10.0.2.4", "DR-10")],
        {"known_affected": ["DR-10"]},
        cve="CVE-2026-21011",
        severity="high",
        fix="Apply DOORS 10.0.2 interim fix 4, or set dbserver -tls12only.",
        released="2026-03-06T09:00:00Z",
    ),
    _doc(
        "RATL-2026-0012",
        "ClearQuest: web client session fixation (under investigation)",
        "Reports of session fixation in the ClearQuest web client are being investigated.",
        "ClearQuest",
        [("product_version_range", "vers:generic/>=9.0|<9.1", "CQ-9")],
        {"under_investigation": ["CQ-9"]},
        cve="CVE-2026-21012",
        severity="medium",
        released="2026-03-08T09:00:00Z",
    ),
    _doc(
        "RATL-2026-0013",
        "Rhapsody: model import may overwrite files",
        "Importing a crafted model can overwrite files outside the project folder.",
        "Rhapsody",
        [("product_version_range", "< V9.3 on Windows hosts", "RH-9")],
        {"known_affected": ["RH-9"]},
        cve="CVE-2026-21013",
        severity="high",
        fix="Upgrade to Rhapsody 9.3.",
        released="2026-03-09T09:00:00Z",
    ),
    _doc(
        "RATL-2026-0014",
        "RequisitePro: pre-release notice of an authentication bypass",
        "Partner pre-notification: an authentication bypass in RequisitePro web access.",
        "RequisitePro",
        [("product_version_range", "vers:generic/<=10.2.2", "RP-10")],
        {"known_affected": ["RP-10"]},
        cve="CVE-2026-21014",
        severity="medium",
        fix="Restrict RequisitePro web access to the intranet until the fix ships.",
        tlp="AMBER",
        released="2026-03-09T15:00:00Z",
    ),
    _doc(
        "RATL-2026-0015",
        "DOORS 8.2: not affected by the TLS cipher issue",
        "DOORS 8.2 never offered the affected ciphers.",
        "DOORS",
        [("product_version", "8.2.0", "DR-8")],
        {"known_not_affected": ["DR-8"]},
        cve="CVE-2026-21011",
        severity="high",
        released="2026-03-06T10:00:00Z",
    ),
]


def populate() -> dict[str, int]:
    if not Account.objects.filter(slug="acme").exists():
        return {}
    clearcase = Product.objects.filter(name="ClearCase").first()
    if clearcase is not None and not clearcase.aliases:
        clearcase.aliases = "Rational ClearCase\nIBM Rational ClearCase"
        clearcase.purl = "pkg:generic/ibm/clearcase"
        save_product(None, clearcase)
    # Each account's first contact receives advisories; Acme's IT director (the demo client).
    for account in Account.objects.all():
        first = account.contacts.order_by("pk").first()
        if first is not None and not first.receives_advisories:
            Contact.objects.filter(pk=first.pk).update(receives_advisories=True)
    Contact.objects.filter(name="Alice Adams", account__slug="acme").update(
        receives_advisories=True
    )
    counts = {"imported": 0, "delivered": 0}
    for doc in DOCUMENTS:
        raw = json.dumps(doc).encode()
        name = f"demo/{doc['document']['tracking']['id']}.json"
        counts["imported"] += import_document(raw, name).imported
    engineer = User.objects.filter(username="engineer").first()
    item = AccountAdvisory.objects.filter(
        account__slug="acme", advisory__tracking_id="RATL-2026-0007"
    ).first()
    if engineer is not None and item is not None and item.state == ItemState.REVIEW:
        with transaction.atomic():
            services.deliver(
                engineer,
                item,
                client_text=(
                    "Your ClearCase 8.0.0 VOB server is exposed to this flaw; fix pack 7 closes "
                    "it. I suggest the Saturday maintenance window and can join the call."
                ),
            )
            contact = Contact.objects.filter(account__slug="acme", name="Alice Adams").first()
            services.acknowledge(item, contact, None)
            counts["delivered"] += 1
    waiting = AccountAdvisory.objects.filter(state=ItemState.REVIEW).count()
    return {**counts, "waiting_review": waiting}
