from __future__ import annotations

import pytest

from psm.accounts import demo as accounts_demo
from psm.cases.mailhtml import display
from psm.channels import demo
from psm.channels.email.models import InboundMessage, State


@pytest.mark.django_db
def test_demo_mail_shows_the_mail_features_and_is_idempotent(settings, tmp_path) -> None:
    settings.MAIL_DIR = tmp_path / "mail"
    accounts_demo.populate()
    assert demo.populate() == {"mail": 3}
    assert demo.populate() == {"mail": 0}
    rows = {r.message_id: r for r in InboundMessage.objects.all()}
    assert all(r.state == State.CASE_OPENED for r in rows.values())
    report = rows["demo-report@acme.example"]
    assert display(report.case_message.html).blocked == 2
    listed = rows["demo-list@acme.example"]
    assert not listed.acknowledged and "Precedence: list" in listed.reason
    log = rows["demo-uuencode@acme.example"].case_message
    assert [a.filename for a in log.attachments.all()] == ["lockmgr.log"]
    assert "begin 644" not in log.text
