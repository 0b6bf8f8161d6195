"""``psm advisories import|relevant`` and ``psm inventory import``: the exact contracts."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from psm.accounts.models import InstalledProduct, Product
from psm.advisories.models import Advisory, Rejection
from psm.testing import advisories as t

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_import_folder_with_bad_files(book, tmp_path) -> None:
    t.catalog(book)
    folder = tmp_path / "feed"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.md"))
    (folder / "broken.json").write_text("{ not json")
    (folder / "not-csaf.json").write_text('{"hello": "world"}')
    (folder / "no-id.json").write_text(
        json.dumps({"document": {"csaf_version": "2.0", "tracking": {"version": "1"}}})
    )
    (folder / "clearcase.json").write_bytes(t.raw(t.clearcase_doc()))
    free = t.document(
        "PSM-FREE-9",
        branches=[t.product("IBM", "ClearCase", t.leaf("product_version_range", "< V7.2", "F"))],
        vulnerabilities=[t.vulnerability(known_affected=["F"])],
    )
    (folder / "free.json").write_bytes(t.raw(free))
    code, out, _ = run("advisories", "import", str(folder), "--json")
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"imported", "updated", "unchanged", "rejected", "needs_review"}
    assert report["imported"] == len(list(DATA.glob("*.json"))) + 2
    assert report["updated"] == report["unchanged"] == 0
    assert report["needs_review"] == 1
    reasons = {r["file"].rsplit("/", 1)[-1]: r["error"] for r in report["rejected"]}
    assert set(reasons) == {"broken.json", "not-csaf.json", "no-id.json"}
    assert reasons["no-id.json"] == "no tracking.id"
    assert Rejection.objects.count() == 3
    # Again: everything unchanged, still exit 1 for the bad files.
    code, out, _ = run("advisories", "import", str(folder), "--json")
    assert code == 1 and json.loads(out)["unchanged"] == report["imported"]
    # Only good files: exit 0, and the words without --json.
    code, out, err = run("advisories", "import", str(folder / "clearcase.json"))
    assert code == 0 and "unchanged 1" in out and err == ""


def test_relevant_json_keys(book) -> None:
    t.catalog(book)
    t.imported(t.clearcase_doc())
    code, out, _ = run("advisories", "relevant", "--account", "acme", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows == [
        {
            "account": "acme",
            "advisory": "PSM-CC-0001",
            "product": "ClearCase",
            "version": "9.0.1",
            "platform": "Linux x86_64",
            "site": "Boston",
            "status": "affected",
            "reason": "ClearCase 9.0.1 at Boston is in >=9.0.0|<9.0.2.3",
            "fixed_in": "9.0.2.3",
            "severity": "critical",
            "cves": ["CVE-2026-1111"],
        }
    ]
    code, out, _ = run("advisories", "relevant")
    assert "globex  PSM-CC-0001  affected  ClearCase 9.0.2 at Berlin" in out
    with pytest.raises(CommandError, match="no account"):
        call_command("advisories", "relevant", "--account", "nope")


def test_rematch_command(book) -> None:
    t.catalog(book)
    t.imported(t.clearcase_doc())
    code, out, _ = run("advisories", "rematch")
    assert code == 0 and out.strip() == "created 0, updated 0, removed 0"


def test_inventory_import_replace_and_add_products(book, tmp_path) -> None:
    t.catalog(book)
    csv = tmp_path / "acme.csv"
    csv.write_text(
        "product,version,platform,site\nClearCase,9.0.1.5,Linux,Boston\nRhapsody,10.0,Windows,\n"
    )
    code, _, err = run("inventory", "import", "acme", str(csv))
    assert code == 1
    assert f"{csv}:3: unknown product 'Rhapsody'" in err
    assert InstalledProduct.objects.filter(account=book.a).count() == 3  # nothing imported
    code, out, _ = run("inventory", "import", "acme", str(csv), "--replace", "--add-products")
    assert code == 0
    assert (
        out.strip()
        == "acme: imported 2 installed product(s), replacing 3; added to the catalog: Rhapsody"
    )
    assert sorted(
        InstalledProduct.objects.filter(account=book.a).values_list("version", flat=True)
    ) == ["10.0", "9.0.1.5"]
    assert Product.objects.filter(name="Rhapsody", slug="rhapsody").exists()
    assert run("inventory", "import", "nope", str(csv))[0] == 2
    assert run("inventory", "import", "acme", str(tmp_path / "missing.csv"))[0] == 2


def test_inventory_import_rematches(book, tmp_path) -> None:
    t.catalog(book)
    t.imported(t.clearcase_doc())
    csv = tmp_path / "acme.csv"
    csv.write_text("product,version\nClearCase,9.0.2.3\n")
    assert run("inventory", "import", "acme", str(csv), "--replace")[0] == 0
    assert not Advisory.objects.get().matches.filter(account=book.a).exists()
