"""Advisories in the other apps' places: a status report section the client may read, and an
account health component for relevant advisories left waiting."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from psm.advisories.health import PendingAdvisories
from psm.advisories.models import AccountAdvisory, ItemState
from psm.advisories.services import acknowledge
from psm.lib.health import components
from psm.reports import gather
from psm.reports.periods import parse
from psm.reports.render import current_brand, page_html
from psm.testing.advisories import clearcase_doc, foreign_item, imported

pytestmark = pytest.mark.django_db


def _month(account):  # the client's current month
    return parse(
        timezone.now().astimezone(ZoneInfo(account.timezone)).strftime("%Y-%m"), account.timezone
    )


def _gathered(account):
    return gather.gather(account, _month(account), [{"key": "advisories"}], name="R")


def _section(account):
    return _gathered(account)["sections"][0]["data"]


def render_section(account):
    return page_html(_gathered(account), current_brand())


def test_a_delivered_advisory_is_reported_with_its_pending_installs_and_one_in_review_never(book):
    item = foreign_item(book)  # delivered to Globex (account B) just now
    imported(clearcase_doc("PSM-IN-REVIEW"))  # a second one, still in review
    assert AccountAdvisory.objects.filter(account=book.b, state=ItemState.REVIEW).exists()

    data = _section(book.b)
    assert data["delivered_count"] == 1 and data["pending_count"] == 1
    assert [row["advisory"] for row in data["delivered"]] == [item.advisory.tracking_id]
    assert data["pending"][0]["installs"][0]["state"] == "Pending"
    assert "PSM-IN-REVIEW" not in str(data)  # the provider's business until delivered

    acknowledge(item, book.contact_b, None)
    data = _section(book.b)
    assert data["delivered"][0]["acknowledged_at"]
    rendered = render_section(book.b)
    assert item.advisory.tracking_id in rendered and "Still pending" in rendered
    assert _section(book.a)["delivered_count"] == 0  # Acme's are still in review


def test_health_counts_advisories_unreviewed_or_unacknowledged_too_long(book):
    item = foreign_item(book)
    assert "advisories" in [c.name for c in components()]
    now = timezone.now()
    AccountAdvisory.objects.filter(account=book.a).delete()  # Acme: nothing relevant
    measured = PendingAdvisories().measure([book.a, book.b], now)
    assert book.a.pk not in measured  # nothing relevant: N/A, not a perfect score
    assert measured[book.b.pk].value == 0 and measured[book.b.pk].score == 100

    # Fifteen days after delivery, still not acknowledged: it counts.
    later = now + timedelta(days=15)
    waiting = PendingAdvisories().measure([book.b], later)[book.b.pk]
    assert waiting.value == 1 and waiting.score == pytest.approx(100 * 2 / 3)
    assert waiting.evidence[0].label == item.advisory.tracking_id

    acknowledge(item, book.contact_b, None)
    assert PendingAdvisories().measure([book.b], later)[book.b.pk].value == 0

    imported(clearcase_doc("PSM-SLOW-REVIEW"))
    assert PendingAdvisories().measure([book.b], now)[book.b.pk].value == 0  # just arrived
    slow = PendingAdvisories().measure([book.b], now + timedelta(days=3))[book.b.pk]
    assert slow.value == 1 and slow.evidence[0].detail == "waiting for review"
