"""The health, dashboard, performance and SLA pages: who sees what, what they show, the CSV
exports, the weights forms and the command line contract."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from psm.accounts.models import Account
from psm.audit.models import AuditEntry
from psm.cases import services as cases
from psm.insights.health.compute import health_of
from psm.insights.models import HealthWeights
from psm.insights.tasks import nightly
from psm.lib import health as registry
from psm.lib.health import Component, Evidence, Measurement
from psm.testing.book import Book, login

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def activity(book: Book) -> Book:
    """A case answered in time and one missed on Acme, then the nightly pass."""
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        quick = cases.open_case(None, book.a, title="Quick", text="x", contact=book.contact_a)
        cases.reply(
            book.alice, quick, text="Here", at=NOW - timedelta(days=2) + timedelta(minutes=5)
        )
        slow = cases.open_case(None, book.a, title="Slow", text="x", contact=book.contact_a)
    assert slow.first_response_due is not None
    cases.reply(book.alice, slow, text="Late", at=slow.first_response_due + timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        nightly(NOW)
    return book


def no_inline_scripts(html: str) -> None:
    """Strict CSP: every <script> has a src or is JSON data."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


@time_machine.travel(NOW, tick=False)
def test_why_this_score_shows_every_component_and_its_evidence(activity: Book) -> None:
    html = login(activity.alice).get("/accounts/acme/health/").content.decode()
    no_inline_scripts(html)
    assert "Why this score: Acme" in html
    for label in (
        "SLA attainment",
        "Age of open P1 and P2",
        "Overdue touchpoints",
        "Satisfaction trend",
        "Days since the last contact",
        "Pages and after-hours",
    ):
        assert label in html
    assert "50.0 % met" in html  # one met, one missed
    assert "/insights/sla/?account=acme" in html  # the evidence of the SLA figure
    assert "N/A: no data" in html  # no survey yet
    assert 'id="health-trend" type="application/json"' in html
    assert "Healthy 75.0–100.0" in html


@time_machine.travel(NOW, tick=False)
def test_health_is_scoped_like_the_account(activity: Book) -> None:
    assert login(activity.dana).get("/accounts/acme/health/").status_code == 404
    assert login(activity.client_a).get("/accounts/acme/health/").status_code == 403
    csv = login(activity.alice).get("/accounts/acme/health/", {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0].startswith("component,value,score")


@time_machine.travel(NOW, tick=False)
def test_account_360_links_the_health_score(activity: Book) -> None:
    html = login(activity.alice).get("/accounts/acme/").content.decode()
    assert 'href="/accounts/acme/health/"' in html


@time_machine.travel(NOW, tick=False)
def test_account_weights_override_the_plan_through_a_form(activity: Book) -> None:
    assert login(activity.alice).get("/accounts/acme/health/weights/").status_code == 403
    client = login(activity.charlie)
    form = client.get("/accounts/acme/health/weights/").content.decode()
    assert 'name="sla"' in form and "Blank: 25 from the default" in form
    bad = client.post("/accounts/acme/health/weights/", {"sla": "300"})
    assert bad.status_code == 200 and "less than or equal to 100" in bad.content.decode()
    response = client.post("/accounts/acme/health/weights/", {"sla": "60", "pages": "0"})
    assert response.status_code == 302
    assert HealthWeights.objects.get(account=activity.a).weights == {"pages": 0, "sla": 60}
    assert AuditEntry.objects.filter(action="health.weights").exists()
    health = health_of(activity.a, NOW)
    pages = next(line for line in health.lines if line.name == "pages")
    assert pages.weight == 0 and pages.contribution == 0 and pages.score is not None
    sla = next(line for line in health.lines if line.name == "sla")
    assert sla.weight_source == "account" and sla.configured_weight == 60


@time_machine.travel(NOW, tick=False)
def test_plan_weights_are_for_administrators(activity: Book) -> None:
    assert (
        login(activity.charlie).get("/insights/plans/standard/health-weights/").status_code == 403
    )
    admin = login(activity.admin)
    assert (
        admin.post("/insights/plans/standard/health-weights/", {"touchpoints": "40"}).status_code
        == 302
    )
    assert HealthWeights.objects.get(plan=activity.plan).weights == {"touchpoints": 40}
    line = next(x for x in health_of(activity.b, NOW).lines if x.name == "touchpoints")
    assert line.weight_source == "plan"


@time_machine.travel(NOW, tick=False)
def test_dashboard_charts_tables_and_drill_downs(activity: Book) -> None:
    assert login(activity.alice).get("/insights/").status_code == 403
    client = login(activity.charlie)
    html = client.get("/insights/").content.decode()
    no_inline_scripts(html)
    for chart in ("chart-bands", "chart-sla", "chart-engineers"):
        assert f'data-chart="{chart}"' in html and f'id="{chart}" type="application/json"' in html
    data = json.loads(
        re.search(r'id="chart-bands" type="application/json">(.*?)</script>', html).group(1)
    )
    assert (
        data["labels"] == ["Healthy", "Watch", "At risk"] and sum(data["datasets"][0]["data"]) == 2
    )
    assert data["links"][0] == "/insights/health/?band=healthy"
    assert "psm/vendor/chart.umd.min.js" in html and "psm/charts.js" in html
    assert "Alice Tester" in html and "Bob Tester" in html
    for export in ("bands", "movers", "sla", "engineers"):
        response = client.get("/insights/", {"export": export})
        assert response["Content-Type"].startswith("text/csv"), export
    rows = client.get("/insights/", {"export": "engineers"}).content.decode().splitlines()
    alice = next(r for r in rows if r.startswith("Alice"))
    assert alice.split(",")[1] == "50.0"  # first response attainment this month


@time_machine.travel(NOW, tick=False)
def test_band_drill_down_lists_the_accounts(activity: Book) -> None:
    html = login(activity.charlie).get("/insights/health/", {"band": "healthy"}).content.decode()
    assert "Acme" in html or "Globex" in html
    assert login(activity.charlie).get("/insights/health/", {"band": "nonsense"}).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_sla_evidence_lists_the_targets_behind_a_figure(activity: Book) -> None:
    client = login(activity.alice)
    html = client.get("/insights/sla/", {"account": "acme", "missed": "1"}).content.decode()
    assert "ACME-2" in html and "ACME-1" not in html
    assert "1 of 2 met" not in html  # only missed ones listed
    assert client.get("/insights/sla/", {"from": "yesterday"}).status_code == 400
    assert login(activity.client_a).get("/insights/sla/").status_code == 403
    # Bob's ledger is not Dana's business.
    assert login(activity.dana).get("/insights/sla/", {"engineer": "alice"}).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_performance_for_the_engineer_and_their_manager(activity: Book) -> None:
    mine = login(activity.alice).get("/insights/performance/").content.decode()
    no_inline_scripts(mine)
    assert "My performance" in mine and "March 2026" in mine
    assert "50.0 %" in mine  # first response: one of two met
    assert "Management reviews" in mine
    assert login(activity.alice).get("/insights/performance/bob/").status_code == 404
    theirs = login(activity.charlie).get("/insights/performance/alice/", {"period": "quarter"})
    assert theirs.status_code == 200 and "Q1 2026" in theirs.content.decode()
    week = login(activity.alice).get(
        "/insights/performance/", {"period": "week", "start": "2026-03-04"}
    )
    assert "Week of 2 Mar 2026" in week.content.decode()
    csv = login(activity.alice).get("/insights/performance/", {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")


@time_machine.travel(NOW, tick=False)
def test_command_line_health_json_contract(activity: Book) -> None:
    out = StringIO()
    call_command("insights", "health", "acme", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"score", "band", "components"}
    for component in data["components"]:
        assert set(component) == {"name", "value", "score", "weight", "contribution", "evidence"}
    total = sum(c["contribution"] for c in data["components"])
    assert abs(total - data["score"]) < 1e-9
    assert data["band"] in ("healthy", "watch", "at_risk")
    text = StringIO()
    call_command("insights", "health", "acme", stdout=text)
    assert "N/A (no data, left out)" in text.getvalue()
    with pytest.raises(CommandError) as error:
        call_command("insights", "health", "nobody")
    assert error.value.returncode == 2


class _Pending(Component):
    name = "plugged"
    label = "A plugged-in component"
    default_weight = 50

    def measure(self, accounts: Sequence[Account], now: datetime) -> dict[int, Measurement]:
        return {
            a.pk: Measurement(3, 0.0, "3 pending", (Evidence("Item", "/x/"),)) for a in accounts
        }


@time_machine.travel(NOW, tick=False)
def test_another_app_plugs_a_component_in_without_touching_the_scoring(activity: Book) -> None:
    before = health_of(activity.a, NOW)
    registry.register(_Pending())
    try:
        after = health_of(activity.a, NOW)
        line = next(x for x in after.lines if x.name == "plugged")
        assert line.score == 0 and line.contribution == 0 and line.weight > 0
        assert after.score is not None and before.score is not None and after.score < before.score
        form = login(activity.charlie).get("/accounts/acme/health/weights/").content.decode()
        assert "A plugged-in component" in form
    finally:
        registry._registry.pop("plugged")


@time_machine.travel(NOW, tick=False)
def test_weights_saved_unchanged_write_no_audit(book: Book) -> None:
    client = login(book.charlie)
    client.post("/accounts/acme/health/weights/", {"sla": "40"})
    audits = AuditEntry.objects.filter(action="health.weights").count()
    client.post("/accounts/acme/health/weights/", {"sla": "40"})
    assert AuditEntry.objects.filter(action="health.weights").count() == audits == 1
    form = client.get("/accounts/acme/health/weights/").content.decode()
    assert 'name="sla" value="40"' in form


@time_machine.travel(NOW, tick=False)
def test_a_day_of_the_trend_shows_its_snapshot(activity: Book) -> None:
    client = login(activity.alice)
    html = client.get("/accounts/acme/health/", {"day": "2026-03-10"}).content.decode()
    assert "as computed that day" in html and "50.0 % met" in html
    assert '"?day=2026-03-10"' in html  # the trend's point leads here
    assert client.get("/accounts/acme/health/", {"day": "2026-01-01"}).status_code == 404
    assert client.get("/accounts/acme/health/", {"day": "soon"}).status_code == 400


@time_machine.travel(NOW, tick=False)
def test_administrators_reach_each_plans_weights_from_the_dashboard(book: Book) -> None:
    html = login(book.admin).get("/insights/").content.decode()
    assert 'href="/insights/plans/standard/health-weights/"' in html
    assert "/health-weights/" not in login(book.charlie).get("/insights/").content.decode()
