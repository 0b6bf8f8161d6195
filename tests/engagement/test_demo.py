"""The demo book is lived in: overdue check-ins, a visit with a trip report, a low score that
raised an alert, the running absence with its brief; loading it twice changes nothing."""

from __future__ import annotations

import pytest

from psm.accounts import demo as accounts_demo
from psm.engagement import demo
from psm.engagement.models import (
    BriefKind,
    CadenceState,
    HandoverBrief,
    Survey,
    Touchpoint,
    TouchpointKind,
)


@pytest.mark.django_db
def test_demo_book_is_lived_in_and_idempotent():
    accounts_demo.populate()
    first = demo.populate()
    second = demo.populate()
    assert first == second
    overdue = CadenceState.objects.filter(overdue=True, kind="check_in")
    assert {"pacific", "maple", "fjord"} <= set(overdue.values_list("account__slug", flat=True))
    visit = Touchpoint.objects.get(kind=TouchpointKind.SITE_VISIT, title=demo.MARKER)
    assert "VOB server" in visit.trip_report
    low = Survey.objects.get(account__slug="thames", kind="nps")
    assert low.score == 3 and low.alerted_at is not None
    brief = HandoverBrief.objects.filter(kind=BriefKind.HANDOVER, recipient__username="carol")
    assert set(brief.values_list("account__slug", flat=True)) == {"nordwind", "thames"}
