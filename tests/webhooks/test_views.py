"""The staff pages: who manages which endpoint, adding, editing, rotating, disabling and
the delivery log with replay."""

from __future__ import annotations

from psm.audit.models import AuditEntry
from psm.cases import services as cases
from psm.testing.book import login
from psm.testing.webhooks import make_endpoint
from psm.webhooks import services
from psm.webhooks.models import Delivery, DeliveryStatus, Endpoint


def test_an_administrator_adds_an_installation_endpoint_and_sees_its_secret(book) -> None:
    client = login(book.admin)
    form = client.get("/webhooks/new/").content.decode()
    assert "The installation (every account)" in form
    response = client.post(
        "/webhooks/new/",
        {"url": "https://hooks.example.com/psm", "events": ["case.created", "sla.breached"]},
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.pk}/"
    assert endpoint.account is None and endpoint.created_by == book.admin
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret in page
    assert AuditEntry.objects.filter(action="webhook.create").count() == 1


def test_an_engineer_manages_only_the_endpoints_of_their_accounts(book) -> None:
    dana = login(book.dana)  # no account of her own
    assert dana.get("/webhooks/new/").status_code == 200
    response = dana.post(
        "/webhooks/new/",
        {
            "url": "https://hooks.example.com/",
            "account": str(book.a.pk),
            "events": ["case.created"],
        },
    )
    assert response.status_code == 200 and Endpoint.objects.count() == 0
    assert "Select a valid choice" in response.content.decode()
    installation = make_endpoint("https://hooks.example.com/all")
    acme = make_endpoint("https://hooks.acme.example/", account=book.a)
    alice = login(book.alice)
    listing = alice.get("/webhooks/").content.decode()
    assert "hooks.acme.example" in listing and "hooks.example.com/all" not in listing
    assert alice.get(f"/webhooks/{installation.pk}/").status_code == 404
    assert alice.post(f"/webhooks/{installation.pk}/rotate/").status_code == 404
    assert alice.get(f"/webhooks/{acme.pk}/").status_code == 200
    assert dana.get(f"/webhooks/{acme.pk}/").status_code == 404
    # Without the installation option, an engineer must name an account.
    response = alice.post(
        "/webhooks/new/", {"url": "https://hooks.example.com/", "events": ["case.created"]}
    )
    assert response.status_code == 200 and Endpoint.objects.count() == 2


def test_a_client_is_refused(book) -> None:
    endpoint = make_endpoint("https://hooks.acme.example/", account=book.a)
    client = login(book.client_a)
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403


def test_bad_input_gets_clear_errors(book, settings) -> None:
    settings.PSM_WEBHOOKS_ALLOW_PRIVATE = False
    client = login(book.admin)
    response = client.post("/webhooks/new/", {"url": "http://192.168.0.7/hook", "events": []})
    page = response.content.decode()
    assert response.status_code == 200
    assert "192.168.0.7 is a private address" in page
    assert "This field is required." in page
    response = client.post(
        "/webhooks/new/", {"url": "not a url at all", "events": ["case.exploded"]}
    )
    assert response.status_code == 200 and "Enter a valid URL." in response.content.decode()
    assert Endpoint.objects.count() == 0


def test_rotate_disable_enable_and_test_from_the_page(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), account=book.a, events=["case.created"])
    old = endpoint.secret
    alice = login(book.alice)
    assert alice.post(f"/webhooks/{endpoint.pk}/rotate/").status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old and len(endpoint.old_secrets) == 1
    alice.post(f"/webhooks/{endpoint.pk}/disable/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "Disabled by Alice Tester"
    page = alice.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "Disabled" in page and "Enable" in page
    alice.post(f"/webhooks/{endpoint.pk}/enable/")
    response = alice.post(f"/webhooks/{endpoint.pk}/test/")
    delivery = Delivery.objects.get()
    assert response["Location"] == delivery.get_absolute_url()
    services.deliver_due()
    detail = alice.get(delivery.get_absolute_url()).content.decode()
    assert "webhook.test" in detail and "200" in detail and delivery.msg_id in detail


def test_the_delivery_log_filters_and_replays(book, receiver) -> None:
    endpoint = make_endpoint(receiver.url(), account=book.a, events=["case.created"])
    receiver.answers.append(500)
    cases.open_case(None, book.a, title="First", text="x", contact=book.contact_a)
    cases.open_case(None, book.a, title="Second", text="x", contact=book.contact_a)
    services.deliver_due()
    alice = login(book.alice)
    log = alice.get(f"/webhooks/{endpoint.pk}/?status=pending").content.decode()
    assert log.count("case.created</a>") == 1 and "The receiver answered 500." in log
    partial = alice.get(f"/webhooks/{endpoint.pk}/?status=delivered", HTTP_HX_REQUEST="true")
    assert partial.content.decode().startswith('<div id="deliveries">')
    failed = Delivery.objects.get(status=DeliveryStatus.PENDING)
    response = alice.post(
        f"/webhooks/{endpoint.pk}/deliveries/{failed.pk}/replay/", {"back": "endpoint"}
    )
    assert response["Location"] == f"/webhooks/{endpoint.pk}/"
    assert services.deliver_due() == 1
    assert receiver.requests[-1].id == failed.msg_id
    other = make_endpoint(receiver.url("/other"), account=book.a)
    assert alice.get(f"/webhooks/{other.pk}/deliveries/{failed.pk}/").status_code == 404


def test_saving_the_form_unchanged_writes_nothing(book) -> None:
    endpoint = make_endpoint("https://hooks.acme.example/", account=book.a, events=["case.created"])
    audits = AuditEntry.objects.count()
    response = login(book.alice).post(
        f"/webhooks/{endpoint.pk}/edit/",
        {"url": endpoint.url, "account": str(book.a.pk), "events": ["case.created"]},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.count() == audits
