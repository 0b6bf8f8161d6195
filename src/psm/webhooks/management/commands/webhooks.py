"""``psm webhooks add URL --events a,b [--account SLUG] [--description TEXT]`` sets up an
endpoint and prints its signing secret on the last line; ``psm webhooks list`` shows every
endpoint; ``psm webhooks rotate ID`` makes a new secret (printed on the last line; the old
one keeps signing too for ``PSM_WEBHOOKS_ROTATION_HOURS``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from psm.accounts.models import Account
from psm.webhooks import services
from psm.webhooks.catalog import EVENTS
from psm.webhooks.models import Endpoint


class Command(BaseCommand):
    help = "Outgoing webhooks: add an endpoint, list them, rotate a secret."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add an endpoint; its secret is the last line printed.")
        add.add_argument("url", metavar="URL", help="Where each event is POSTed.")
        add.add_argument(
            "--events",
            required=True,
            metavar="A,B",
            help=f"Comma-separated event types, or 'all': {', '.join(EVENTS)}.",
        )
        add.add_argument(
            "--account", metavar="SLUG", help="Only this account's events (default: all)."
        )
        add.add_argument("--description", default="", metavar="TEXT")
        sub.add_parser("list", help="Show every endpoint.")
        rotate = sub.add_parser("rotate", help="New secret for an endpoint (the last line).")
        rotate.add_argument("id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list()
        elif action == "add":
            self._add(options)
        else:
            endpoint = Endpoint.objects.filter(pk=options["id"]).first()
            if endpoint is None:
                raise CommandError(f"No endpoint {options['id']}; see `psm webhooks list`.")
            secret = services.rotate_secret(None, endpoint)
            self.stdout.write(f"Endpoint {endpoint.pk} has a new secret:")
            self.stdout.write(secret)

    def _add(self, options: dict[str, Any]) -> None:
        account = None
        if options["account"]:
            account = Account.objects.filter(slug=options["account"]).first()
            if account is None:
                raise CommandError(f"No account with slug {options['account']!r}.")
        events = options["events"].split(",")
        if [e.strip() for e in events] == ["all"]:
            events = list(EVENTS)
        spec = services.EndpointSpec(
            url=options["url"], events=events, account=account, description=options["description"]
        )
        try:
            endpoint = services.create_endpoint(None, spec)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Endpoint {endpoint.pk} for {endpoint.scope_label}: {endpoint.url}")
        self.stdout.write(f"Events: {', '.join(endpoint.events)}")
        self.stdout.write("Signing secret (verify each request's webhook-signature with it):")
        self.stdout.write(endpoint.secret)

    def _list(self) -> None:
        endpoints = Endpoint.objects.select_related("account").order_by("pk")
        if not endpoints:
            self.stdout.write(
                "No webhook endpoints; add one with `psm webhooks add URL --events …`."
            )
            return
        for e in endpoints:
            state = "enabled" if e.is_active else f"disabled ({e.disabled_reason})"
            if e.is_active and e.failing_since:
                state = f"failing since {e.failing_since:%Y-%m-%d %H:%M} UTC"
            scope = e.account.slug if e.account else "installation"
            self.stdout.write(f"{e.pk}\t{scope}\t{state}\t{e.url}\t{','.join(e.events)}")
