from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from psm.api import services
from psm.api.models import Token
from psm.testing.api import ApiClient, token
from psm.testing.book import login


def test_a_token_is_stored_only_as_a_hash(book) -> None:
    row, key = services.issue_token(None, book.alice, name="crm", scopes=["read"])
    assert key.startswith("psm_") and len(key) > 40
    stored = Token.objects.get(pk=row.pk)
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.key_hash == Token.digest(key)
    assert key.startswith(stored.prefix)


def test_a_good_token_reads_and_a_bad_one_gets_401(book) -> None:
    status, body = ApiClient(token(book.alice)).get("accounts")
    assert status == 200
    for key in (None, "psm_nope", "Bearer"):
        status, body = ApiClient(key).get("accounts")
        assert status == 401
        assert body["code"] == "unauthorized"
        assert "token" in body["error"]


def test_a_revoked_token_gets_401(book) -> None:
    row, key = services.issue_token(None, book.alice, name="crm", scopes=["read"])
    assert ApiClient(key).get("accounts")[0] == 200
    assert services.revoke_token(book.alice, row) is True
    assert services.revoke_token(book.alice, row) is False
    assert ApiClient(key).get("accounts")[0] == 401


def test_an_expired_token_gets_401(book) -> None:
    row, key = services.issue_token(None, book.alice, name="crm", expires_days=1)
    Token.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(key).get("accounts")[0] == 401


def test_a_deactivated_users_token_gets_401(book) -> None:
    key = token(book.alice)
    book.alice.is_active = False
    book.alice.save()
    assert ApiClient(key).get("accounts")[0] == 401


def test_a_read_token_cannot_write(book) -> None:
    key = token(book.alice, scopes=("read",))
    status, body = ApiClient(key).post("cases", {"account": "acme", "title": "x", "text": "y"})
    assert status == 403
    assert body["code"] == "forbidden"
    assert "write" in body["error"]


def test_write_includes_read(book) -> None:
    row, _ = services.issue_token(None, book.alice, name="bot", scopes=["write"])
    assert row.scopes == ["read", "write"]


def test_a_token_needs_a_known_scope_and_a_name(book) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown scope admin"):
        services.issue_token(None, book.alice, name="x", scopes=["admin"])
    with pytest.raises(ValidationError, match="name"):
        services.issue_token(None, book.alice, name="  ")


def test_the_command_prints_the_token_on_its_last_line(book) -> None:
    out = StringIO()
    call_command("api", "token", "client_a", "--scopes", "read,write", "--expires", "7", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    row = Token.objects.get(key_hash=Token.digest(key))
    assert row.user == book.client_a
    assert row.scopes == ["read", "write"]
    assert row.expires_at is not None
    assert timedelta(days=6, hours=23) < row.expires_at - timezone.now() <= timedelta(days=7)
    status, body = ApiClient(key).get("accounts")
    assert status == 200
    assert [a["slug"] for a in body["items"]] == ["acme"]


def test_the_command_refuses_bad_input(book) -> None:
    with pytest.raises(CommandError, match="No user"):
        call_command("api", "token", "nobody", stdout=StringIO())
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("api", "token", "alice", "--scopes", "root", stdout=StringIO())
    with pytest.raises(CommandError, match="days"):
        call_command("api", "token", "alice", "--expires", "-1", stdout=StringIO())
    out = StringIO()
    call_command("api", "token", "alice", "--expires", "0", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert Token.objects.get(key_hash=Token.digest(key)).expires_at is None


def test_the_token_page_shows_a_new_token_once_and_revokes(book) -> None:
    client = login(book.client_a)
    page = client.get("/profile/api-tokens/")
    assert page.status_code == 200
    response = client.post(
        "/profile/api-tokens/", {"name": "Monitoring", "scopes": ["read", "write"], "expires": "30"}
    )
    assert response.status_code == 302
    shown = client.get("/profile/api-tokens/").content.decode()
    row = Token.objects.get(user=book.client_a)
    key = shown.split('id="token-value">')[1].split("<")[0]
    assert Token.digest(key) == row.key_hash
    again = client.get("/profile/api-tokens/").content.decode()
    assert key not in again and row.prefix in again
    assert ApiClient(key).get("cases")[0] == 200
    client.post(f"/profile/api-tokens/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert ApiClient(key).get("cases")[0] == 401


def test_nobody_revokes_anothers_token(book) -> None:
    row, key = services.issue_token(None, book.alice, name="mine")
    response = login(book.bob).post(f"/profile/api-tokens/{row.pk}/revoke/")
    assert response.status_code == 404
    assert ApiClient(key).get("accounts")[0] == 200


def test_the_token_form_explains_bad_input(book) -> None:
    client = login(book.alice)
    response = client.post("/profile/api-tokens/", {"name": "", "expires": "forever"})
    assert response.status_code == 400
    assert not Token.objects.exists()
