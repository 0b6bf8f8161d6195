"""The knowledge base's panel on the staff case page: articles of the case's account (and
global ones) to put into the reply, as a link to the portal or as their text."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from psm.cases import panels
from psm.cases.models import Case, CaseStatus
from psm.knowledge.queries import suggestions


def context(request: HttpRequest, case: Case) -> dict[str, Any] | None:
    if case.status == CaseStatus.CLOSED:
        return None  # no reply form, nothing to insert into
    return {"case": case, "articles": suggestions(case, ""), "base": settings.BASE_URL}


def register() -> None:
    panels.register(panels.Panel("knowledge", "knowledge/_case_panel.html", context))
