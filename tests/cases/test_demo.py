from __future__ import annotations

import pytest

from psm.accounts import demo as accounts_demo
from psm.cases import demo
from psm.cases.models import Case, CaseStatus


@pytest.mark.django_db
def test_demo_cases_are_lived_in_and_idempotent() -> None:
    accounts_demo.populate()
    first = demo.populate()
    assert first["cases"] == len(demo.SCENARIOS)
    assert demo.populate()["cases"] == 0
    assert Case.objects.count() == len(demo.SCENARIOS)
    assert Case.objects.filter(status=CaseStatus.WAITING_ON_CLIENT).count() == 1
    assert Case.objects.filter(breached=True).exists()
    assert Case.objects.filter(status=CaseStatus.RESOLVED).count() == 1
    assert len({c.account_id for c in Case.objects.all()}) >= 5
    busy = Case.objects.get(title__startswith="ClearCase VOB server")
    assert busy.messages.count() == 4 and busy.messages.filter(is_internal=True).count() == 1
