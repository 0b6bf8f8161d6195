"""Two workers racing on one escalation step make exactly one escalation.

Real processes, released together: on PostgreSQL the second UPDATE waits for the first's row
lock and then finds the step gone; on SQLite the writers are serialised and the same
condition turns the second one away.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from psm.notifications.models import Notification
from psm.paging import services
from psm.paging.models import Page, PageStep, StepKind
from psm.testing.processes import psm

SCRIPT = """
import time
from pathlib import Path
from django.utils.dateparse import parse_datetime
from psm.paging import services
go = Path({go!r})
while not go.exists():
    time.sleep(0.005)
won = services.escalate({page}, 0, parse_datetime({now!r}))
print("won" if won else "lost")
"""

SWEEP = """
import time
from pathlib import Path
from django.utils.dateparse import parse_datetime
from psm.paging import services
go = Path({go!r})
while not go.exists():
    time.sleep(0.005)
print("made", services.sweep(parse_datetime({now!r})))
"""


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_step_escalate_once(book, tmp_path) -> None:
    start = timezone.now() - timedelta(minutes=20)
    page = services.page_psm(book.a, priority="P1", contact=book.contact_a, at=start)
    now = (start + timedelta(minutes=16)).isoformat()
    go = tmp_path / "go"
    procs = [psm("shell", "-c", SCRIPT.format(go=str(go), page=page.pk, now=now)) for _ in range(2)]
    sweeps = [psm("shell", "-c", SWEEP.format(go=str(go), now=now)) for _ in range(2)]
    go.touch()
    outs = [p.communicate(timeout=120) for p in [*procs, *sweeps]]
    assert all(p.returncode == 0 for p in [*procs, *sweeps]), [e for _, e in outs if e][:2]
    said = [out.strip().splitlines()[-1] for out, _ in outs]
    assert said[:2].count("won") + sum(int(s.split()[-1]) for s in said[2:]) == 1, said
    page.refresh_from_db()
    assert page.step == 1
    assert page.target == book.bob
    assert PageStep.objects.filter(page=page, kind=StepKind.ESCALATED).count() == 1
    assert Notification.objects.filter(key__startswith=f"page:{page.pk}:step:1:").count() >= 1
    assert Page.objects.count() == 1


PRESS = """
import time
from pathlib import Path
from psm.accounts.models import Contact
from psm.paging import services
go = Path({go!r})
contact = Contact.objects.get(pk={contact})
while not go.exists():
    time.sleep(0.005)
print(services.page_psm(contact.account, priority="P1", message={text!r}, contact=contact).pk)
"""


@pytest.mark.django_db(transaction=True)
def test_two_presses_at_the_same_moment_make_one_page(book, tmp_path) -> None:
    """The rule is the database's (a unique key while the page waits), not a check before
    the insert: two processes pressing at once, with different words, get one page."""
    go = tmp_path / "go"
    procs = [
        psm("shell", "-c", PRESS.format(go=str(go), contact=book.contact_a.pk, text=text))
        for text in ("Database down", "DB down!!")
    ]
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs if e][:2]
    ids = {out.strip().splitlines()[-1] for out, _ in outs}
    assert len(ids) == 1
    assert Page.objects.count() == 1
    page = Page.objects.get()
    texts = {
        page.message,
        *page.steps.filter(kind=StepKind.REPEATED).values_list("detail", flat=True),
    }
    assert texts == {"Database down", "DB down!!"}
