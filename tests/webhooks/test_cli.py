"""``psm webhooks add`` prints the secret on its last line; ``psm webhooks list``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from standardwebhooks.webhooks import Webhook

from psm.cases import services as cases
from psm.webhooks import services
from psm.webhooks.models import Endpoint


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("webhooks", *args, stdout=out)
    return out.getvalue().splitlines()


def test_add_prints_the_secret_last_and_list_shows_it(book, receiver) -> None:
    lines = run(
        "add", receiver.url(), "--events", "case.created,page.triggered", "--account", "acme"
    )
    endpoint = Endpoint.objects.get()
    assert lines[-1] == endpoint.secret and lines[-1].startswith("whsec_")
    assert endpoint.account == book.a
    assert endpoint.events == ["case.created", "page.triggered"]
    listed = run("list")
    assert listed == [
        f"{endpoint.pk}\tacme\tenabled\t{receiver.url()}\tcase.created,page.triggered"
    ]
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    services.deliver_due()
    [request] = receiver.requests
    Webhook(lines[-1]).verify(request.body, request.headers)


def test_add_for_the_installation_with_all_events(book) -> None:
    run("add", "https://hooks.example.com/psm", "--events", "all")
    endpoint = Endpoint.objects.get()
    assert endpoint.account is None and len(endpoint.events) == 11


def test_rotate_prints_the_new_secret_last(book) -> None:
    old = run("add", "https://hooks.example.com/psm", "--events", "all")[-1]
    endpoint = Endpoint.objects.get()
    new = run("rotate", str(endpoint.pk))[-1]
    assert new != old and new == Endpoint.objects.get().secret


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "https://h.example.com/", "--events", "case.made"],
            "Unknown event type: case.made",
        ),
        (["add", "https://h.example.com/", "--events", ","], "Choose at least one event type"),
        (["add", "https://h.example.com/", "--events", "all", "--account", "nope"], "No account"),
        (["add", "gopher://h.example.com/", "--events", "all"], "only http:// and https://"),
        (["rotate", "999"], "No endpoint 999"),
    ],
)
def test_bad_input_is_a_clear_error(book, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Endpoint.objects.count() == 0


def test_a_private_address_is_refused_without_the_setting(book, settings) -> None:
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match=r"10\.0\.0\.5 is a private address"):
        run("add", "http://10.0.0.5/hook", "--events", "all")
