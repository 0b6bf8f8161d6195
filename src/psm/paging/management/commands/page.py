"""``psm page``: open a page as a client would, or follow one.

    psm page ACCOUNT_SLUG [--priority P1] [--message TEXT]   open a page, print it as JSON
    psm page status ID                                       the page as it proceeds
    psm page --issue-api-key USERNAME [--name NAME]          a key for the paging API

"status" is a word of this command, so an account cannot be paged by a slug named "status"
from here (use the portal or the API for such an account).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from psm.accounts.models import Account, Contact, Priority
from psm.paging import services
from psm.paging.api import page_json
from psm.paging.models import ApiKey, Page, PageSource
from psm.team.models import User


def primary_contact(account: Account) -> Contact | None:
    """The contact who speaks for the account: an active one with portal access first."""
    active = Contact.objects.filter(account=account, is_active=True).select_related("user")
    return (
        active.filter(user__isnull=False, user__is_active=True).order_by("pk").first()
        or active.order_by("pk").first()
    )


class Command(BaseCommand):
    help = "Open a page for an account as its primary contact would, or show a page's status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", nargs="?", help='ACCOUNT_SLUG, or "status"')
        parser.add_argument("page_id", nargs="?", help='with "status": the page id')
        parser.add_argument("--priority", default=Priority.P1, choices=Priority.values)
        parser.add_argument("--message", default="", help="What is happening")
        parser.add_argument("--at", help="Pretend it is this ISO instant (for rehearsals)")
        parser.add_argument("--issue-api-key", metavar="USERNAME", help="Make a paging API key")
        parser.add_argument("--name", default="paging API", help="With --issue-api-key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["issue_api_key"]:
            self._issue_key(options["issue_api_key"], options["name"])
            return
        what = options["what"]
        if not what:
            raise CommandError("Give an account slug to page, or: psm page status ID")
        if what == "status":
            raw = options["page_id"]
            if raw is None or not raw.isdigit():
                raise CommandError("psm page status ID: ID is the page number")
            page = Page.objects.filter(pk=int(raw)).select_related("account").first()
            if page is None:
                raise CommandError(f"No page {raw}.")
            self._print(page)
            return
        if options["page_id"] is not None:
            raise CommandError(f"Unexpected {options['page_id']!r}: psm page SLUG [--priority P]")
        account = Account.objects.filter(slug=what).first()
        if account is None:
            raise CommandError(f"No account with slug {what!r}.")
        contact = primary_contact(account)
        try:
            page = services.page_psm(
                account,
                priority=options["priority"],
                message=options["message"],
                contact=contact,
                opened_by=contact.user if contact and contact.user else None,
                source=PageSource.COMMAND,
                at=self._instant(options["at"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self._print(page)

    def _print(self, page: Page) -> None:
        self.stdout.write(json.dumps(page_json(page), indent=2))

    def _issue_key(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None or not user.is_provider_staff:
            raise CommandError(f"{username!r} is not an active engineer, manager or admin.")
        _, key = ApiKey.issue(user, name)
        self.stdout.write(key)
        self.stderr.write("Shown once: store it now. Revoke it in the admin (paging API keys).")

    @staticmethod
    def _instant(value: str | None) -> datetime | None:
        if not value:
            return None
        parsed = parse_datetime(value)
        if parsed is None or timezone.is_naive(parsed):
            raise CommandError(f"--at {value!r}: give an ISO instant with a zone, e.g. ...Z")
        return parsed
