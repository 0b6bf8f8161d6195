"""The staff pages and the portal: write, publish, version, search, files, answers, isolation."""

from __future__ import annotations

import io
import zipfile

from psm.cases.services import open_case
from psm.knowledge import services
from psm.knowledge.models import Article, Feedback, Status, Visibility
from psm.testing.book import Book, login
from psm.testing.knowledge import PNG, article


def test_a_psm_writes_publishes_and_versions_an_article(book: Book) -> None:
    staff = login(book.alice)
    response = staff.post(
        "/knowledge/new/",
        {"account": book.a.pk, "title": "Nightly backup", "body": "Runs at **02:00**.",
         "tags": "Backup, vob", "visibility": "client", "status": "draft"},
    )  # fmt: skip
    a = Article.objects.get(title="Nightly backup")
    assert response["Location"] == a.get_absolute_url()
    assert a.account == book.a and a.tags == ["backup", "vob"] and a.revision == 1
    page = staff.get(a.get_absolute_url()).content.decode()
    assert "<strong>02:00</strong>" in page and "A draft" in page
    staff.post(
        f"/knowledge/{a.pk}/edit/",
        {"title": "Nightly backup", "body": "Runs at **03:00**.", "tags": "backup, vob",
         "visibility": "client", "status": "published", "note": "Moved to 3 am"},
    )  # fmt: skip
    a.refresh_from_db()
    assert a.revision == 2 and a.status == Status.PUBLISHED
    diff = staff.get(f"/knowledge/{a.pk}/revisions/?a=1&b=2").content.decode()
    assert "Runs at **02:00**." in diff and "Runs at **03:00**." in diff
    assert "Moved to 3 am" in diff
    staff.post(f"/knowledge/{a.pk}/revisions/1/restore/")
    a.refresh_from_db()
    assert a.revision == 3 and "02:00" in a.body and a.status == Status.DRAFT
    old = staff.get(f"/knowledge/{a.pk}/revisions/2/").content.decode()
    assert "<strong>03:00</strong>" in old


def test_a_bad_form_is_answered_with_its_reasons(book: Book) -> None:
    response = login(book.alice).post(
        "/knowledge/new/", {"title": "", "visibility": "nope", "status": "draft"}
    )
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Article.objects.exists()


def test_nonsense_revision_numbers_fall_back_to_the_latest_two(book: Book) -> None:
    a = article(book.a)
    response = login(book.alice).get(f"/knowledge/{a.pk}/revisions/?a=x&b=99")
    assert response.status_code == 200


def test_staff_search_is_ranked_and_highlighted_and_never_fails(book: Book) -> None:
    article(book.a, "VOB backup", "How to back up")
    staff = login(book.alice)
    page = staff.get("/knowledge/", {"q": "backup"}).content.decode()
    assert "<mark>backup</mark>" in page
    for typed in ['"foo AND', "NEAR(", "-", "*"]:
        assert staff.get("/knowledge/", {"q": typed}).status_code == 200
        assert staff.get("/knowledge/portal/", {"q": typed}).status_code == 403
        assert login(book.client_a).get("/knowledge/portal/", {"q": typed}).status_code == 200


def test_an_engineer_sees_global_articles_and_only_their_accounts(book: Book) -> None:
    mine = article(book.a, "Acme article")
    article(None, "Global article")
    page = login(book.dana).get("/knowledge/").content.decode()
    assert "Global article" in page and "Acme article" not in page
    assert login(book.dana).get(mine.get_absolute_url()).status_code == 404


def test_a_client_never_sees_a_draft_an_internal_article_or_another_account(book: Book) -> None:
    shown = article(book.a, "Shown", "backup shown")
    glob = article(None, "Global shown", "backup global")
    draft = article(book.a, "Draft one", "backup draft", status=Status.DRAFT)
    internal = article(book.a, "Internal one", "backup internal", visibility=Visibility.INTERNAL)
    other = article(book.b, "Globex one", "backup globex")
    client = login(book.client_a)
    listing = client.get("/knowledge/portal/").content.decode()
    assert "Shown" in listing and "Global shown" in listing
    for hidden in ("Draft one", "Internal one", "Globex one"):
        assert hidden not in listing
    results = client.get("/knowledge/portal/", {"q": "backup"}).content.decode()
    assert "Shown" in results and "Draft one" not in results and "Globex one" not in results
    assert client.get(shown.get_portal_url()).status_code == 200
    assert client.get(glob.get_portal_url()).status_code == 200
    for unseen in (draft, internal, other):
        assert client.get(unseen.get_portal_url()).status_code == 404
    assert client.get(shown.get_absolute_url()).status_code == 403


def test_a_client_answers_did_this_help(book: Book) -> None:
    a = article(book.a)
    client = login(book.client_a)
    assert b"Did this help?" in client.get(a.get_portal_url()).content
    client.post(f"/knowledge/portal/{a.pk}/feedback/", {"helpful": "no", "comment": "Step 2?"})
    client.post(f"/knowledge/portal/{a.pk}/feedback/", {"helpful": "yes"})
    answer = Feedback.objects.get()
    assert answer.helpful and answer.contact == book.contact_a and answer.revision == 1
    assert b"You answered <strong>yes</strong>" in client.get(a.get_portal_url()).content
    assert (
        client.post(f"/knowledge/portal/{a.pk}/feedback/", {"helpful": "maybe"}).status_code == 302
    )
    assert Feedback.objects.count() == 1
    staff_page = login(book.alice).get(a.get_absolute_url()).content.decode()
    assert "<strong>1</strong> yes" in staff_page


def test_images_are_served_to_whoever_may_read_the_article(book: Book) -> None:
    a = article(book.a, body="![diagram](files/diagram.png)")
    staff = login(book.alice)
    staff.post(f"/knowledge/{a.pk}/files/", {"file": io_file("diagram.png", PNG)})
    item = a.files.get()
    page = login(book.client_a).get(a.get_portal_url()).content.decode()
    assert f'src="/knowledge/portal/{a.pk}/files/{item.pk}/"' in page
    response = login(book.client_a).get(f"/knowledge/portal/{a.pk}/files/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert "sandbox" in response["Content-Security-Policy"]
    staff_page = staff.get(a.get_absolute_url()).content.decode()
    assert f'src="/knowledge/{a.pk}/files/{item.pk}/"' in staff_page
    assert login(book.client_a).get(f"/knowledge/{a.pk}/files/{item.pk}/").status_code == 403
    assert login(book.client_b).get(f"/knowledge/portal/{a.pk}/files/{item.pk}/").status_code == 404
    staff.post(f"/knowledge/{a.pk}/files/{item.pk}/remove/")
    assert not a.files.exists()


def io_file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/png")


def test_the_case_page_offers_articles_to_insert_into_the_reply(book: Book) -> None:
    article(book.a, "Restoring a VOB from backup", "Stop the VOB server.")
    article(book.a, "Internal VOB notes", "vob", visibility=Visibility.INTERNAL)
    article(book.b, "Globex VOB", "vob")
    case = open_case(book.alice, book.a, title="VOB restore failed", text="Help")
    page = login(book.alice).get(case.get_absolute_url()).content.decode()
    assert 'id="kb-case-h"' in page
    assert "Restoring a VOB from backup" in page.split('id="kb-case-h"')[1]
    assert 'data-insert="Restoring a VOB from backup: http' in page
    assert "Globex VOB" not in page
    found = login(book.alice).get(f"/knowledge/cases/{case.reference}/", {"q": "notes"})
    text = found.content.decode()
    assert "Internal VOB notes" in text and "Insert text" in text and "Insert link" not in text
    assert login(book.dana).get(f"/knowledge/cases/{case.reference}/").status_code == 404


def test_staff_and_clients_download_the_bundle(book: Book) -> None:
    article(book.a, "Shown")
    article(book.a, "Internal one", visibility=Visibility.INTERNAL)
    for who, url in ((book.alice, "/accounts/acme/knowledge/bundle.zip"),
                     (book.client_a, "/knowledge/portal/bundle.zip")):  # fmt: skip
        response = login(who).get(url)
        assert response["Content-Type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
        assert "acme-knowledge/shown.html" in names
        assert "acme-knowledge/internal-one.html" not in names


def test_the_account_tab_lists_its_articles(book: Book) -> None:
    article(book.a, "Acme only")
    services.save_article(None, None, account=None, title="Everyone", body="")
    page = login(book.alice).get("/accounts/acme/knowledge/").content.decode()
    assert "Acme only" in page and "Everyone" not in page
    assert "Download the intranet bundle" in page


def test_account_360_has_a_knowledge_card(book: Book) -> None:
    article(book.a, "Acme only")
    article(book.a, "Internal", visibility=Visibility.INTERNAL)
    page = login(book.alice).get("/accounts/acme/").content.decode()
    card = page.split('id="kb-card-h"')[1]
    assert "Acme only" in card and "2 articles of this account; 1 published" in card
