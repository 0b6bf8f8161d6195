"""``psm api token USERNAME [--scopes read,write] [--expires DAYS] [--name NAME]``: a
personal access token for the API, printed on the last line (shown once, only its hash is
kept). ``--expires 0`` makes one that never expires."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psm.api import services
from psm.team.models import User


class Command(BaseCommand):
    help = "API tools: make a personal access token."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="Make a personal access token for a user.")
        token.add_argument("username")
        token.add_argument(
            "--scopes",
            default="read",
            help="read, write or read,write (write includes read); default read",
        )
        token.add_argument(
            "--expires", type=int, default=90, help="Days until it expires (0: never); 90"
        )
        token.add_argument("--name", default="", help="What it is for (default: command line)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        days = options["expires"]
        if days < 0:
            raise CommandError("--expires takes a number of days (0: never).")
        scopes = options["scopes"].replace(" ", ",").split(",")
        try:
            token, key = services.issue_token(
                None,
                user,
                name=options["name"] or "command line",
                scopes=scopes,
                expires_days=days or None,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        expiry = token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if token.expires_at else "never"
        self.stdout.write(
            f"Token “{token.name}” for {user.username}: scopes {', '.join(token.scopes)}, "
            f"expires {expiry}. It is shown once; keep it safe:"
        )
        self.stdout.write(key)
