from __future__ import annotations

from django.core.paginator import Paginator

from psm.accounts.models import Account
from psm.lib.pagination import IdPaginator
from psm.testing.factories import AccountFactory, ServicePlanFactory


def test_same_pages_in_the_same_order_as_django(db: None) -> None:
    plan = ServicePlanFactory()
    for n in range(22):
        AccountFactory(name=f"Client {n % 7}", slug=f"c-{n:02d}", service_plan=plan)
    accounts = Account.objects.select_related("service_plan").order_by("-name", "slug")
    ours, django = IdPaginator(accounts, 5, orphans=2), Paginator(accounts, 5, orphans=2)
    assert ours.num_pages == django.num_pages == 4
    for number in ours.page_range:
        mine, theirs = ours.page(number), django.page(number)
        assert [a.slug for a in mine] == [a.slug for a in theirs]
        assert mine.has_next() == theirs.has_next()
    assert ours.get_page("999").number == 4
    assert ours.get_page("nonsense").number == 1
