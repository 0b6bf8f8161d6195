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


def test_a_capped_count_pages_on_past_it_without_counting(db: None) -> None:
    plan = ServicePlanFactory()
    for n in range(23):
        AccountFactory(name=f"Client {n:02d}", slug=f"c-{n:02d}", service_plan=plan)
    accounts = Account.objects.order_by("name", "id")
    capped = IdPaginator(accounts, 5, count_limit=7)
    assert capped.count == 8 and not capped.count_is_exact
    # Page 4 lies past the counted rows and is served all the same, in the same order.
    page = capped.page(4)
    assert [a.slug for a in page] == [f"c-{n:02d}" for n in range(15, 20)]
    assert page.has_previous() and page.has_next() and page.end_index() == 20
    last = capped.page(5)
    assert [a.slug for a in last] == ["c-20", "c-21", "c-22"] and not last.has_next()
    # Past the real end: counted exactly after all, and the last page is shown.
    beyond = IdPaginator(accounts, 5, count_limit=7).get_page("9")
    assert beyond.number == 5 and beyond.paginator.count == 23
    assert IdPaginator(accounts, 5, count_limit=7).get_page("x").number == 1
    # Under the cap the count is exact and behaves like Django's.
    exact = IdPaginator(accounts, 5, count_limit=100)
    assert exact.count == 23 and exact.count_is_exact and exact.num_pages == 5
    assert exact.get_page("99").number == 5


def test_orphans_join_the_last_page_when_the_count_is_capped(db: None) -> None:
    plan = ServicePlanFactory()
    for n in range(12):
        AccountFactory(name=f"Client {n:02d}", slug=f"c-{n:02d}", service_plan=plan)
    accounts = Account.objects.order_by("name", "id")
    page = IdPaginator(accounts, 5, orphans=2, count_limit=3).page(2)
    assert [a.slug for a in page] == [f"c-{n:02d}" for n in range(5, 12)]
    assert not page.has_next()
