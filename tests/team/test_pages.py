from __future__ import annotations

from datetime import UTC, datetime

from psm.team.models import Absence
from psm.testing.book import Book, login


def test_team_page_lists_people_and_absences(book: Book) -> None:
    page = login(book.alice).get("/team/").content.decode()
    assert "Alice Tester" in page
    assert "Bob Tester" in page
    assert "Charlie Tester" in page


def test_profile_shows_only_visible_accounts(book: Book) -> None:
    page = login(book.dana).get("/team/alice/").content.decode()
    assert "Alice Tester" in page
    assert "Acme" not in page  # dana cannot see alice's accounts
    page = login(book.charlie).get("/team/alice/").content.decode()
    assert "Acme" in page


def test_engineer_records_own_absence_in_own_zone(book: Book) -> None:
    book.alice.timezone = "Europe/Berlin"
    book.alice.save()
    response = login(book.alice).post(
        "/team/absences/new/",
        {
            "engineer": book.alice.pk,
            "start": "2026-12-01T09:00",
            "end": "2026-12-05T18:00",
            "substitute": book.dana.pk,
            "reason": "Leave",
        },
    )
    assert response.status_code == 302
    absence = Absence.objects.get(engineer=book.alice)
    assert absence.start == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    assert absence.substitute == book.dana


def test_engineer_cannot_record_someone_elses_absence(book: Book) -> None:
    response = login(book.alice).post(
        "/team/absences/new/",
        {"engineer": book.bob.pk, "start": "2026-12-01T09:00", "end": "2026-12-05T18:00"},
    )
    assert response.status_code == 200
    assert not Absence.objects.exists()


def test_absence_form_reports_overlap(book: Book) -> None:
    client = login(book.charlie)
    data = {"engineer": book.bob.pk, "start": "2026-12-01T09:00", "end": "2026-12-05T18:00"}
    assert client.post("/team/absences/new/", data).status_code == 302
    response = client.post("/team/absences/new/", data)
    assert b"already has an absence" in response.content


def test_clients_cannot_see_the_team(book: Book) -> None:
    assert login(book.client_a).get("/team/").status_code == 403
    assert login(book.client_a).get("/team/alice/").status_code == 403


def test_the_team_page_counts_every_account_and_says_how_many_are_yours(book: Book) -> None:
    # Dana sees neither Acme nor Globex; Alice is Acme's primary PSM, Bob Globex's.
    page = login(book.dana).get("/team/").content.decode()
    row = page.split('href="/team/alice/">Alice Tester</a>')[1].split("</tr>")[0]
    assert '<td class="num">1 <small class="muted">(0 of yours)</small></td>' in row
    mine = login(book.alice).get("/team/").content.decode()
    own = mine.split('href="/team/alice/">Alice Tester</a>')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in own
