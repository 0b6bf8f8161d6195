"""My day, the overview and account 360 once cases exist: due times in words and colour,
breaches, client messages, and query counts that stay flat as rows grow."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from psm.cases import services as case_services
from psm.cases.models import Case
from psm.insights.display import time_left, urgency
from psm.team import services as team_services
from psm.testing.book import Book, login
from psm.testing.factories import AccountFactory, ContactFactory

UTC = ZoneInfo("UTC")
# Tuesday 10 March 2026, 14:00 UTC = 10:00 in New York (Acme) and 15:00 in Berlin (Globex).
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def open_case(book: Book, account: str = "a", **kwargs: object) -> Case:
    contact = book.contact_a if account == "a" else book.contact_b
    fields: dict[str, object] = {"title": "Builds fail", "text": "Since 9:00.", "contact": contact}
    fields.update(kwargs)
    return case_services.open_case(None, getattr(book, account), **fields)


def test_time_left_in_words_and_colour() -> None:
    assert time_left(NOW + timedelta(hours=2, minutes=15), NOW) == "in 2 h 15 min"
    assert time_left(NOW + timedelta(minutes=25), NOW) == "in 25 min"
    assert time_left(NOW - timedelta(hours=1), NOW) == "overdue by 1 h"
    assert time_left(NOW + timedelta(days=3, hours=4), NOW) == "in 3 d 4 h"
    assert time_left(None, NOW) == "no deadline"
    # Time left rounds up, time overdue down: never "in 0 min" while something is left.
    assert time_left(NOW + timedelta(hours=2, minutes=59, seconds=30), NOW) == "in 3 h"
    assert time_left(NOW + timedelta(seconds=20), NOW) == "in 1 min"
    assert time_left(NOW - timedelta(minutes=1, seconds=50), NOW) == "overdue by 1 min"
    assert urgency(NOW + timedelta(hours=2), NOW) == "due-ok"
    assert urgency(NOW + timedelta(minutes=59), NOW) == "due-soon"
    assert urgency(NOW - timedelta(seconds=1), NOW) == "due-late"


def test_my_day_lists_cases_by_due_time_and_what_breaches_today(book: Book) -> None:
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        p1 = open_case(book, title="Server down", priority="P1")  # 1 h target, 7x24
    with time_machine.travel(NOW, tick=False):
        p4 = open_case(book, title="Question", priority="P4")  # 16 business hours
        p2 = open_case(book, title="Slow builds", priority="P2")  # 4 business hours
        page = login(book.alice).get("/my-day/").content.decode()
    cases = page.split('id="due-h"')[1]
    assert cases.index(p1.reference) < cases.index(p2.reference) < cases.index(p4.reference)
    flat = text(cases)
    assert f"{p1.reference} Server down" in flat
    assert "overdue by 2 h" in flat
    assert 'class="due-late"' in cases
    assert "in 4 h" in flat  # P2: 10:00 + 4 business hours = 14:00 New York
    # Alice works in UTC; the client's wall time stands beside hers.
    assert "Tue 10 Mar 18:00 14:00 client time" in flat
    breaching = text(page.split('id="breach-h"')[1].split("</section>")[0])
    assert p1.reference in breaching
    assert p2.reference in breaching  # due 18:00 UTC, before the end of alice's day (UTC)
    assert p4.reference not in breaching


def test_my_day_shows_recent_client_messages_and_cases_of_those_i_cover(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        theirs = open_case(book, "b", title="Globex licence")
        case_services.add_message(
            None, theirs, text="Any news on the licence?", contact=book.contact_b, channel="email"
        )
        team_services.start_absence(
            None, book.bob, NOW - timedelta(hours=1), NOW + timedelta(days=1), book.alice
        )
        page = login(book.alice).get("/my-day/").content.decode()
    assert f"{theirs.reference}" in page.split('id="due-h"')[1]
    assert "for Bob Tester" in page.split('id="due-h"')[1]
    messages = text(page.split('id="msg-h"')[1].split("</section>")[0])
    assert "Bert Client on " + theirs.reference in messages
    assert "Any news on the licence?" in messages
    # Dana covers nobody: she sees none of it.
    with time_machine.travel(NOW, tick=False):
        page = login(book.dana).get("/my-day/").content.decode()
    assert theirs.reference not in page


def test_my_day_query_count_is_flat(book: Book) -> None:
    client = login(book.alice)
    with time_machine.travel(NOW, tick=False):
        open_case(book)
        with CaptureQueriesContext(connection) as few:
            client.get("/my-day/")
        for n in range(6):
            case = open_case(book, title=f"Case {n}", priority="P2")
            case_services.add_message(None, case, text="more", contact=book.contact_a)
        with CaptureQueriesContext(connection) as many:
            client.get("/my-day/")
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_overview_counts_open_cases_by_priority_breaches_and_last_contact(book: Book) -> None:
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        late = open_case(book, title="Server down", priority="P1")
    with time_machine.travel(NOW, tick=False):
        open_case(book, priority="P2")
        open_case(book, priority="P2")
        # The breach sweep marks what is past due (the cases app's own sweep).
        Case.objects.filter(pk=late.pk).update(first_response_breached=True, breached=True)
        case_services.reply(book.alice, late, text="On it.")
        page = login(book.charlie).get("/overview/").content.decode()
    row = text(page.split(">Acme<")[1].split("</tr>")[0])
    assert "America/New_York Alice Tester 3 P1 1 P2 2 P3 0 P4 0 1 10 Mar" in row
    workload = text(page.split('id="load-h"')[1].split("Bob Tester")[0])
    assert "Alice Tester 1 1 0 3 3 1" in workload
    # Sorting by breaches puts Acme first, descending.
    with time_machine.travel(NOW, tick=False):
        page = login(book.charlie).get("/overview/", {"sort": "-breaches"}).content.decode()
    assert page.index(">Acme<") < page.index(">Globex<")


def test_overview_query_count_is_flat_with_cases(book: Book) -> None:
    client = login(book.admin)
    with time_machine.travel(NOW, tick=False):
        open_case(book)
        with CaptureQueriesContext(connection) as few:
            client.get("/overview/")
        for n in range(8):
            account = AccountFactory(slug=f"more-{n}", service_plan=book.plan)
            team_services.assign(None, account, book.dana, "primary")
            contact = ContactFactory(account=account)
            case_services.open_case(None, account, title="x", contact=contact, priority="P3")
        with CaptureQueriesContext(connection) as many:
            client.get("/overview/")
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_account_360_lists_open_cases_soonest_due_first(book: Book) -> None:
    with time_machine.travel(NOW, tick=False):
        slow = open_case(book, title="Question", priority="P4")
        fast = open_case(book, title="Down", priority="P1")
        done = open_case(book, title="Fixed already")
        case_services.close(None, done)
        page = login(book.alice).get("/accounts/acme/").content.decode()
    section = page.split('id="cases-h"')[1].split("</section>")[0]
    assert section.index(fast.reference) < section.index(slow.reference)
    assert done.reference not in section
    assert "in 1 h" in text(section)


def test_my_day_shows_overdue_and_upcoming_touchpoints(book: Book) -> None:
    from psm.engagement.models import CadenceState, Touchpoint, TouchpointStatus

    CadenceState.objects.create(
        account=book.a,
        kind="check_in",
        rrule="FREQ=WEEKLY",
        timezone=book.a.timezone,
        anchor=NOW - timedelta(days=30),
        next_due=NOW - timedelta(days=2),
        overdue=True,
    )
    CadenceState.objects.create(
        account=book.a,
        kind="site_visit",
        rrule="FREQ=MONTHLY",
        timezone=book.a.timezone,
        anchor=NOW - timedelta(days=30),
        next_due=NOW + timedelta(days=3),
    )
    # Bob's account: not on alice's day.
    CadenceState.objects.create(
        account=book.b,
        kind="check_in",
        rrule="FREQ=WEEKLY",
        timezone=book.b.timezone,
        anchor=NOW - timedelta(days=30),
        next_due=NOW - timedelta(days=1),
        overdue=True,
    )
    Touchpoint.objects.create(
        account=book.a,
        kind="check_in",
        title="Weekly sync with Alma",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=1),
        timezone=book.a.timezone,
        owner=book.alice,
        status=TouchpointStatus.SCHEDULED,
    )
    with time_machine.travel(NOW, tick=False):
        page = login(book.alice).get("/my-day/").content.decode()
    panel = text(page.split('id="tp-h"')[1].split("</section>")[0])
    assert "1 overdue" in panel
    assert "overdue Check-in with Acme" in panel
    assert "due in 3 d Site visit with Acme" in panel
    assert "Weekly sync with Alma · Acme" in panel
    assert "Globex" not in panel


def test_last_contact_is_the_latest_update_or_touchpoint_held(book: Book) -> None:
    from psm.engagement.models import Touchpoint, TouchpointStatus

    Touchpoint.objects.create(
        account=book.b,
        kind="site_visit",
        title="Visit",
        starts_at=NOW - timedelta(days=5),
        ends_at=NOW - timedelta(days=5) + timedelta(hours=2),
        timezone=book.b.timezone,
        owner=book.bob,
        status=TouchpointStatus.COMPLETED,
    )
    with time_machine.travel(NOW, tick=False):
        page = login(book.charlie).get("/overview/", {"sort": "contact"}).content.decode()
    globex = text(page.split(">Globex<")[1].split("</tr>")[0])
    assert "5 Mar" in globex
    acme = text(page.split(">Acme<")[1].split("</tr>")[0])
    assert "never" in acme
    assert page.index(">Acme<") < page.index(">Globex<")  # never contacted comes first


def test_pages_waiting_are_loud_at_the_top_of_my_day(book: Book) -> None:
    from psm.paging import services as paging

    with time_machine.travel(NOW, tick=False):
        paging.page_psm(book.a, priority="P1", message="Everything is down", contact=book.contact_a)
        page = login(book.alice).get("/my-day/").content.decode()
    waiting = page.split('id="pages-waiting"')[1].split("</section>")[0]
    assert 'class="alert-loud"' in page.split('id="pages-waiting"')[0][-80:] + waiting[:40]
    assert "Everything is down" in waiting
    assert "Acknowledge" in waiting
    assert page.index('id="pages-waiting"') < page.index('id="breach-h"')


def test_account_360_timeline_tells_cases_messages_and_pages(book: Book) -> None:
    from psm.paging import services as paging

    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        case = open_case(book, title="Builds fail")
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        case_services.add_note(book.alice, case, "Check the agent version first.")
        case_services.reply(book.alice, case, text="Which agent version?")
    with time_machine.travel(NOW, tick=False):
        paging.page_psm(book.a, priority="P1", message="Down", contact=book.contact_a)
        page = login(book.alice).get("/accounts/acme/").content.decode()
    feed = text(page.split('id="timeline-h"')[1])
    assert f"{case.reference} opened (P3): Builds fail" in feed
    assert f"{case.reference} we answered: Builds fail" in feed
    assert "internal" in feed and "Check the agent version first." in feed
    assert "P1 page #" in feed
    # The audit's "case.open" change is told by the case itself, not twice.
    assert "case open" not in feed


def test_account_360_query_count_is_flat(book: Book) -> None:
    from psm.testing.factories import InstalledProductFactory, SiteFactory

    client = login(book.alice)
    with time_machine.travel(NOW, tick=False):
        open_case(book)
        with CaptureQueriesContext(connection) as few:
            client.get("/accounts/acme/")
        for n in range(6):
            case = open_case(book, title=f"Case {n}", priority="P2")
            case_services.add_message(None, case, text="more", contact=book.contact_a)
            case_services.add_note(book.alice, case, "note")
            ContactFactory(account=book.a)
            SiteFactory(account=book.a, name=f"Site {n}")
            InstalledProductFactory(account=book.a)
        with CaptureQueriesContext(connection) as many:
            page = client.get("/accounts/acme/").content.decode()
    assert page.count("Case 5") >= 2  # in open cases and on the timeline
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_my_day_shows_the_soonest_cases_and_says_how_many_more(
    book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    from psm.insights import figures

    monkeypatch.setattr(figures, "MY_CASES", 2)
    with time_machine.travel(NOW, tick=False):
        for n in range(4):
            open_case(book, title=f"Case {n}", priority="P2")
        page = login(book.alice).get("/my-day/").content.decode()
    table = text(page.split('id="due-h"')[1].split("</section>")[0])
    assert "2 more cases due later" in table
    assert "Case 0" in table and "Case 1" in table
    assert "Case 2" not in table and "Case 3" not in table


def test_the_book_is_sorted_whole_then_paged_with_each_pages_figures(
    book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    from psm.insights import views

    monkeypatch.setattr(views, "BOOK_PAGE", 1)
    with time_machine.travel(NOW - timedelta(days=12), tick=False):
        first = open_case(book, account="b", priority="P1")
        case_services.reply(book.bob, first, text="Looking.")
    with time_machine.travel(NOW, tick=False):
        open_case(book, account="b", priority="P2")
        client = login(book.charlie)
        by_name = [client.get("/overview/", {"page": n}).content.decode() for n in (1, 2)]
        by_open = [
            client.get("/overview/", {"sort": "-open", "page": n}).content.decode() for n in (1, 2)
        ]
    # By name: Acme, then Globex, whose figures are computed for its page alone.
    assert ">Acme<" in by_name[0] and ">Globex<" not in by_name[0]
    globex = text(by_name[1].split(">Globex<")[1].split("</tr>")[0])
    assert "Bob Tester 2 P1 1 P2 1 P3 0 P4 0 0 26 Feb 12 days ago" in globex
    assert "Page 2 of 2" in by_name[1]
    # By open cases, most first: the whole book is sorted before it is cut into pages.
    assert ">Globex<" in by_open[0] and ">Acme<" in by_open[1]


def test_last_contact_reads_in_whole_days() -> None:
    from psm.insights.queries import days_ago

    assert [days_ago(d) for d in (0, 1, 2, 59, 60, 400, 800)] == [
        "today",
        "yesterday",
        "2 days ago",
        "59 days ago",
        "2 months ago",
        "13 months ago",
        "2 years ago",
    ]


def test_my_day_badge_and_lines_agree_and_read_as_words(book: Book) -> None:
    """The badge counts what the lines say; a cadence past its tolerance is overdue even
    before the sweep marks it; one within its tolerance is "due now", never "due overdue by";
    a case overdue since an earlier day shows the day."""
    from psm.engagement.models import CadenceState

    for kind, due, tolerance in (("check_in", 3, 2), ("site_visit", 1, 2)):
        CadenceState.objects.create(
            account=book.a,
            kind=kind,
            rrule="FREQ=WEEKLY",
            timezone=book.a.timezone,
            anchor=NOW - timedelta(days=30),
            next_due=NOW - timedelta(days=due),
            overdue_at=NOW - timedelta(days=due) + timedelta(days=tolerance),
            overdue=False,  # the sweep has not run since
        )
    with time_machine.travel(NOW - timedelta(days=2), tick=False):  # Sunday 8 March
        late = open_case(book, title="Old problem", priority="P1")
    with time_machine.travel(NOW, tick=False):
        page = login(book.alice).get("/my-day/").content.decode()
    panel = text(page.split('id="tp-h"')[1].split("</section>")[0])
    assert "1 overdue" in panel
    assert panel.count("overdue") == 2  # the badge and the one line
    assert "overdue Check-in with Acme was due Sat 7 Mar" in panel
    assert "due now Site visit with Acme since Mon 9 Mar" in panel
    assert "due overdue by" not in panel
    breaching = text(page.split('id="breach-h"')[1].split("</section>")[0])
    assert f"{late.reference} Old problem" in breaching
    assert "Sun 8 Mar" in breaching


def test_the_arrow_says_the_order_the_rows_are_in(book: Book) -> None:
    """▲ is fewest first, ▼ most first; a count column's first click gives the most first."""
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            open_case(book, title="Acme case")
        client = login(book.charlie)
        overview = client.get("/overview/").content.decode()
        assert 'href="?sort=-open"' in overview
        down = client.get("/overview/", {"sort": "-open"}).content.decode()
        up = client.get("/overview/", {"sort": "open"}).content.decode()
    assert 'Open cases <span aria-hidden="true">▼</span>' in down
    assert down.index(">Acme<") < down.index(">Globex<")
    assert 'Open cases <span aria-hidden="true">▲</span>' in up
    assert up.index(">Globex<") < up.index(">Acme<")
