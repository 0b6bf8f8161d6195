"""The hooks other channels call: a P1 e-mail opens a page; a reply acknowledges one."""

from __future__ import annotations

from datetime import UTC, datetime

from psm.cases.models import Origin
from psm.cases.services import open_case
from psm.paging import services
from psm.paging.models import PageStatus

AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_a_p1_email_case_opens_a_page_once(book) -> None:
    case = open_case(
        None, book.a, title="P1 orders failing", priority="P1", contact=book.contact_a,
        origin=Origin.EMAIL, at=AT,
    )  # fmt: skip
    page = services.page_from_email(case, at=AT)
    assert (page.source, page.case_reference, page.target) == ("email", case.reference, book.alice)
    assert services.page_from_email(case, at=AT).pk == page.pk


def test_a_reply_to_the_page_email_acknowledges(book) -> None:
    page = services.page_psm(book.a, contact=book.contact_a, at=AT)
    subject = f"Re: [PAGE #{page.pk}] P1 Acme: page from the portal"
    assert services.acknowledge_by_email_reply("someone@else.example", subject, AT) is None
    assert services.acknowledge_by_email_reply("ALICE@psm.test", "Re: hello", AT) is None
    acked = services.acknowledge_by_email_reply("ALICE@psm.test", subject, AT)
    assert acked is not None
    page.refresh_from_db()
    assert (page.status, page.ack_via, page.acknowledged_by) == (
        PageStatus.ACKNOWLEDGED, "reply", book.alice,
    )  # fmt: skip
