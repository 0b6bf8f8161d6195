"""The knowledge base section of a status report: the documentation published or updated
for the client in the period, and what the client's people answered to "Did this help?".
Only what the client reads in the portal appears (published, client-visible articles of the
account and global ones); drafts and internal articles never do."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from psm.knowledge.models import Article, Feedback
from psm.reports.periods import Period, iso
from psm.reports.sections import JSON, Option, Section, register

LIMIT = 50


class KnowledgeSection(Section):
    key = "knowledge"  # stored in definitions: never rename
    title = "Documentation published for you"
    description = (
        "Knowledge-base articles published or updated for the client in the period, and "
        "how many of their readers said an article helped."
    )
    order = 550
    template = "reports/sections/knowledge.html"
    options = (Option("show_feedback", "Show the “Did this help?” answers", default=True),)

    def data(self, account: Any, period: Period, options: JSON) -> JSON:
        readable = Article.objects.for_client(account.pk)
        changed = readable.filter(updated_at__gte=period.start, updated_at__lt=period.end)
        rows = [
            {
                "title": a.title,
                "tags": list(a.tags),
                "new": bool(a.published_at and period.start <= a.published_at < period.end),
                "updated_at": iso(a.updated_at),
                "global": a.account_id is None,
            }
            for a in changed.order_by("-updated_at", "pk")[:LIMIT]
        ]
        answers = Feedback.objects.filter(
            account=account,
            article__in=readable,
            answered_at__gte=period.start,
            answered_at__lt=period.end,
        )
        per_article = (
            answers.values("article__title")
            .annotate(
                yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
            )
            .order_by("-no", "article__title")[:LIMIT]
        )
        show = bool(options.get("show_feedback", True))
        return {
            "available": readable.count(),
            "changed_count": changed.count(),
            "changed": rows,
            "helpful": answers.filter(helpful=True).count() if show else None,
            "not_helpful": answers.filter(helpful=False).count() if show else None,
            "answers": [
                {"title": r["article__title"], "yes": r["yes"], "no": r["no"]} for r in per_article
            ]
            if show
            else [],
        }


def register_all() -> None:
    register(KnowledgeSection())
