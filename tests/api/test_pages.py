from __future__ import annotations

import json

from django.test import Client

from psm.cases.models import Case
from psm.paging import services
from psm.paging.models import ApiKey, Page
from psm.testing.api import api_as, token


def test_a_client_pages_its_psm_and_staff_acknowledge(book) -> None:
    status, body = api_as(book.client_a).post("pages", {"message": "Site down"})
    assert status == 201, body
    page = Page.objects.get(pk=body["id"])
    assert page.account == book.a and page.contact == book.contact_a
    assert body["target"] == "alice" and body["status"] == "open"
    assert api_as(book.client_a).post(f"pages/{page.pk}/acknowledge")[0] == 403
    status, body = api_as(book.alice).post(f"pages/{page.pk}/acknowledge")
    assert status == 200
    assert (body["status"], body["acknowledged_by"], body["acknowledged_now"]) == (
        "acknowledged",
        "alice",
        True,
    )
    status, body = api_as(book.bob).post(f"pages/{page.pk}/acknowledge")
    assert status == 200 and body["acknowledged_now"] is False


def test_a_client_cannot_page_another_account(book) -> None:
    status, _ = api_as(book.client_a).post("pages", {"account": "globex"})
    assert status == 404
    assert not Page.objects.filter(account=book.b).exists()


def test_pages_list_only_what_the_token_sees(book) -> None:
    services.page_psm(book.a, contact=book.contact_a, message="a")
    services.page_psm(book.b, contact=book.contact_b, message="b")
    _, body = api_as(book.client_a).get("pages")
    assert {p["account"] for p in body["items"]} == {"acme"}
    _, body = api_as(book.alice).get("pages", status="waiting")
    assert {p["account"] for p in body["items"]} == {"acme", "globex"}


def test_the_old_paging_paths_keep_working_with_old_keys_and_new_tokens(book) -> None:
    page = services.page_psm(book.a, contact=book.contact_a)
    _, old_key = ApiKey.issue(book.bob, "phone app")
    for key in (old_key, token(book.alice)):
        response = Client().get(f"/paging/api/pages/{page.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200
        assert json.loads(response.content)["id"] == page.pk
    response = Client().post(
        f"/paging/api/pages/{page.pk}/acknowledge/", HTTP_AUTHORIZATION=f"Bearer {old_key}"
    )
    assert response.status_code == 200
    assert json.loads(response.content)["acknowledged_by"] == "bob"


def test_a_p1_case_by_api_and_a_page_name_the_same_case(book) -> None:
    api = api_as(book.client_a)
    ref = api.post("cases", {"title": "Down", "priority": "P1"})[1]["reference"]
    case = Case.objects.get(reference=ref)
    assert Page.objects.filter(case=case).count() == 1
