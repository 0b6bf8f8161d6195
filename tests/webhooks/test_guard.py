"""The SSRF guard: receivers inside the network are refused unless allowed; the request
goes to the address that was checked, with the URL's host in the Host header."""

from __future__ import annotations

import ipaddress

import pytest

from psm.cases import services as cases
from psm.testing.webhooks import make_endpoint
from psm.webhooks import guard, services
from psm.webhooks.models import Delivery, DeliveryStatus

REFUSED = {
    "127.0.0.1": "loopback",
    "::1": "loopback",
    "10.1.2.3": "private",
    "172.16.0.9": "private",
    "192.168.1.10": "private",
    "fd00::1": "private",
    "169.254.169.254": "link-local",
    "fe80::1": "link-local",
    "::ffff:127.0.0.1": "IPv4-mapped",
    "::ffff:8.8.8.8": "IPv4-mapped",
    "0.0.0.0": "not a public address",
    "100.64.0.1": "not a public address",
    "224.0.0.1": "not a public address",
}


@pytest.mark.parametrize(("address", "why"), REFUSED.items())
def test_addresses_inside_the_network_are_refused(address: str, why: str) -> None:
    assert why in (guard.why_refused(ipaddress.ip_address(address)) or "")


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert guard.why_refused(ipaddress.ip_address(address)) is None


def test_a_name_resolving_to_loopback_is_refused(settings) -> None:
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = False
    loopback = r"localhost resolves to (127\.0\.0\.1|::1), a loopback address"
    with pytest.raises(guard.Refused, match=loopback):
        guard.resolve("http://localhost:8080/hook")


def test_the_setting_allows_on_premise_receivers(settings) -> None:
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = True
    target = guard.resolve("http://localhost:8080/hook?x=1")
    assert target.address in ("127.0.0.1", "::1")
    assert (target.host_header, target.path) == ("localhost:8080", "/hook?x=1")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://hooks.example.com/", "only http:// and https://"),
        ("https://user:pw@hooks.example.com/", "no user name or password"),
        ("https:///nohost", "no host"),
        ("http://hooks.example.com:99999/", "not a valid URL"),
    ],
)
def test_urls_of_the_wrong_shape_are_refused(url: str, why: str) -> None:
    with pytest.raises(guard.Refused, match=why):
        guard.split(url)


def test_forms_refuse_a_literal_inside_address(settings) -> None:
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:9000/", "http://[::ffff:10.0.0.1]/", "http://localhost/"):
        with pytest.raises(Exception, match="cannot receive webhooks"):
            services.clean_url(url)
    assert services.clean_url(" https://hooks.example.com/psm ") == "https://hooks.example.com/psm"


def test_a_refused_receiver_is_logged_and_retried_not_called(book, receiver, settings) -> None:
    make_endpoint(f"http://localhost:{receiver.port}/hooks", events=["case.created"])
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = False
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    services.deliver_due()
    delivery = Delivery.objects.get()
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("Refused: localhost resolves to")
    assert delivery.log.get().status_code is None


def test_the_request_goes_to_the_checked_address_with_the_urls_host(book, receiver) -> None:
    make_endpoint(f"http://localhost:{receiver.port}/hooks?tenant=7", events=["case.created"])
    cases.open_case(None, book.a, title="VOB down", text="help", contact=book.contact_a)
    services.deliver_due()
    [request] = receiver.requests
    assert request.headers["host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks?tenant=7"
    assert Delivery.objects.get().log.get().address == "127.0.0.1"
