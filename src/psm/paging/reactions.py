"""How paging reacts to what happens in lower layers (see ``psm.lib.events``)."""

from __future__ import annotations

from psm.audit.models import record
from psm.cases.events import CaseOpened, case_opened
from psm.cases.models import Origin
from psm.paging.models import PageSource
from psm.paging.services import page_psm

_SOURCE: dict[str, str] = {
    Origin.EMAIL: PageSource.EMAIL,
    Origin.PORTAL: PageSource.PORTAL,
    Origin.PHONE: PageSource.PHONE,
    Origin.PAGE: PageSource.PORTAL,
    Origin.STAFF: PageSource.STAFF,
}


def page_a_7x24_case(event: CaseOpened) -> None:
    """A case whose opening decision says "page" (a 7x24 priority: P1 out of hours, or any
    time) pages with that decision, and "fallback" (a 7x24 priority on a provider holiday, or
    an account without a PSM) forwards it to basic support: by whichever channel it came in."""
    case = event.case
    if event.routed is not None:
        if event.routed.route.channel not in ("page", "fallback"):
            return
    elif case.priority not in case.account.effective_plan()["always_covered"]:
        return
    contact = case.contact
    page = page_psm(
        case.account,
        priority=case.priority,
        message=case.title,
        contact=contact,
        opened_by=contact.user if contact is not None and contact.user else None,
        source=_SOURCE.get(case.origin, PageSource.STAFF),
        case=case,
        routed=event.routed,
        at=event.at,
    )
    who = page.target.display_name if page.target else page.target_name
    # The case's own history says it was paged, and whom (the case page links the page).
    record(
        None,
        "case.paged",
        case,
        account=case.account_id,
        changes={"page": page.pk, "target_name": who},
    )


def connect() -> None:
    case_opened.subscribe(page_a_7x24_case)
