from __future__ import annotations

from psm.testing.book import Book, login
from psm.testing.factories import ContactFactory


def test_search_finds_accounts_and_contacts_by_name_mail_and_phone(book: Book) -> None:
    ContactFactory(
        account=book.a, name="Wile Coyote", phone="+1 555 0199", email="wile@acme.example"
    )
    client = login(book.alice)
    page = client.get("/search/", {"q": "acm"}).content.decode()
    assert "/accounts/acme/" in page
    page = client.get("/search/", {"q": "wile@acme"}).content.decode()
    assert "Wile Coyote" in page
    page = client.get("/search/", {"q": "0199"}).content.decode()
    assert "Wile Coyote" in page


def test_search_is_scoped_to_what_the_user_may_see(book: Book) -> None:
    ContactFactory(account=book.b, name="Hank Scorpio", email="hank@globex.example")
    # Dana has no accounts: she finds nothing of A or B.
    page = login(book.dana).get("/search/", {"q": "glob"}).content.decode()
    assert "Globex" not in page
    page = login(book.dana).get("/search/", {"q": "hank"}).content.decode()
    assert "Hank Scorpio" not in page
    assert "Nothing found" in page
    # Bob owns B.
    page = login(book.bob).get("/search/", {"q": "hank"}).content.decode()
    assert "Hank Scorpio" in page


def test_live_search_returns_results_only(book: Book) -> None:
    response = login(book.alice).get("/search/", {"q": "acme"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"/accounts/acme/" in response.content


def test_short_queries_search_nothing(book: Book) -> None:
    page = login(book.alice).get("/search/", {"q": "a"}).content.decode()
    assert "/accounts/acme/" not in page
    assert "at least two characters" in page


def test_search_finds_cases_by_reference_number_and_words(book: Book) -> None:
    from psm.cases import services as case_services

    mine = case_services.open_case(
        None, book.a, title="Nightly build fails at step 3", text="x", contact=book.contact_a
    )
    theirs = case_services.open_case(
        None, book.b, title="Nightly build slow", text="x", contact=book.contact_b
    )
    client = login(book.dana)  # no accounts
    link = mine.get_absolute_url()
    assert link not in client.get("/search/", {"q": mine.reference}).content.decode()
    assert (
        theirs.get_absolute_url() not in client.get("/search/", {"q": "nightly"}).content.decode()
    )
    client = login(book.bob)  # primary of B, substitute of A: sees both
    page = client.get("/search/", {"q": "nightly build"}).content.decode()
    assert theirs.get_absolute_url() in page
    assert link in page
    client = login(book.alice)
    page = client.get("/search/", {"q": mine.reference.lower()}).content.decode()
    assert f"{mine.reference} Nightly build fails at step 3" in page
    page = client.get("/search/", {"q": f"#{mine.number}"}).content.decode()
    assert link in page
    page = client.get("/search/", {"q": "build step"}).content.decode()
    assert link in page
    page = client.get("/search/", {"q": "build banana"}).content.decode()
    assert link not in page
