from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from psm.accounts.models import Account, Contact
from psm.team.models import Absence, Assignment, User


@pytest.mark.django_db
def test_demo_builds_a_book_and_is_idempotent() -> None:
    call_command("demo", stdout=io.StringIO())
    counts = (
        Account.objects.count(),
        Contact.objects.count(),
        User.objects.count(),
        Assignment.objects.count(),
    )
    call_command("demo", stdout=io.StringIO())
    assert counts == (
        Account.objects.count(),
        Contact.objects.count(),
        User.objects.count(),
        Assignment.objects.count(),
    )
    assert Account.objects.count() == 12
    zones = set(Account.objects.values_list("timezone", flat=True))
    continents = {zone.split("/")[0] for zone in zones}
    assert {"America", "Europe", "Asia", "Australia", "Africa"} <= continents
    for account in Account.objects.all():
        assert 3 <= account.contacts.count() <= 9
        assert account.sites.exists()
        assert account.installs.exists()
        assert Assignment.objects.current().filter(account=account, role="primary").count() == 1
    for username in ("admin", "manager", "engineer", "client"):
        assert User.objects.get(username=username).check_password("demo")
    assert Absence.objects.filter(substitute__isnull=False).count() == 1
    assert Contact.objects.get(user__username="client").account.slug == "acme"
    # Coverage: every plan has provider holidays and an on-call rotation.
    from psm.coverage.models import ServicePlan

    assert not ServicePlan.objects.filter(holiday_calendar__isnull=True).exists()
    assert not ServicePlan.objects.filter(on_call_rotation__isnull=True).exists()
