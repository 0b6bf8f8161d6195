"""The CSAF directory-based distribution poller, against a provider on a local HTTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from psm.advisories.feeds import poll, sweep_feeds
from psm.advisories.models import Advisory, Feed, Match, Rejection
from psm.testing import advisories as t

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    server = t.start_provider()
    yield server
    server.close()


@pytest.fixture
def feed(provider):
    return Feed.objects.create(
        name="IBM Rational", url=provider.base + ".well-known/csaf/provider-metadata.json"
    )


def test_poll_imports_what_changed_and_only_that(book, provider, feed) -> None:
    t.catalog(book)
    provider.publish("2026/psm-cc-0001.json", t.clearcase_doc(), "2026-03-01T10:00:00Z")
    provider.publish(
        "2026/psm-cc-0002.json", t.clearcase_doc("PSM-CC-0002"), "2026-03-02T10:00:00Z"
    )
    result = poll(feed)
    assert result.errors == [] and result.fetched == 2
    assert result.report.imported == 2
    assert Match.objects.filter(account=book.a).count() == 2
    assert "csaf/white/2026/psm-cc-0001.json.sha256" in provider.requests
    # Nothing changed: changes.csv is read, no document fetched again.
    provider.requests.clear()
    again = poll(feed)
    assert again.fetched == 0
    assert provider.requests == [
        ".well-known/csaf/provider-metadata.json",
        "csaf/white/changes.csv",
    ]
    # A new revision under a new timestamp is fetched and replaces the old one.
    provider.publish("2026/psm-cc-0001.json", t.clearcase_doc(version="2"), "2026-03-05T10:00:00Z")
    third = poll(feed)
    assert third.fetched == 1 and third.report.updated == 1
    assert Advisory.objects.get(tracking_id="PSM-CC-0001").revision == "2"


def test_bad_documents_are_kept_with_the_reason_and_failures_retried(book, provider, feed) -> None:
    provider.publish("2026/good.json", t.clearcase_doc(), "2026-03-01T10:00:00Z")
    provider.files["csaf/white/2026/broken.json"] = b"{not json"
    provider.files["csaf/white/changes.csv"] += b'"2026/broken.json","2026-03-01T11:00:00Z"\n'
    provider.files["csaf/white/changes.csv"] += b'"2026/missing.json","2026-03-01T12:00:00Z"\n'
    provider.publish("2026/tampered.json", t.clearcase_doc("PSM-CC-0009"), "2026-03-01T13:00:00Z")
    provider.files["csaf/white/2026/tampered.json"] = t.raw(t.clearcase_doc("PSM-CC-0010"))
    result = poll(feed)
    assert result.report.imported == 1
    assert [r["error"][:8] for r in result.report.rejected] == ["not JSON"]
    rejection = Rejection.objects.get()
    assert rejection.feed == feed and bytes(rejection.content) == b"{not json"
    assert any("missing.json: HTTP 404" in e for e in result.errors)
    assert any("SHA-256 does not match" in e for e in result.errors)
    feed.refresh_from_db()
    assert "missing.json" in feed.last_error
    # The missing document appears later: fetched on the next poll.
    provider.publish("2026/missing.json", t.clearcase_doc("PSM-CC-0011"), "2026-03-01T12:00:00Z")
    assert poll(feed).report.imported == 1


def test_a_directory_url_works_without_metadata(book, provider) -> None:
    provider.publish("a.json", t.clearcase_doc(), "2026-03-01T10:00:00Z", sha256=False)
    feed = Feed.objects.create(name="Dir", url=provider.base + "csaf/white/")
    assert poll(feed).report.imported == 1


def test_unreachable_provider_is_an_error_not_a_crash(book) -> None:
    feed = Feed.objects.create(name="Down", url="http://127.0.0.1:9/provider-metadata.json")
    result = poll(feed)
    assert result.errors and "127.0.0.1:9" in result.errors[0]


def test_sweep_claims_each_due_feed_once(book, provider, feed) -> None:
    provider.publish("a.json", t.clearcase_doc(), "2026-03-01T10:00:00Z")
    now = timezone.now()
    assert sweep_feeds(now) == 1
    assert sweep_feeds(now) == 0  # claimed until its interval has passed
    feed.refresh_from_db()
    assert feed.next_poll_at == now + timedelta(minutes=60)
    assert sweep_feeds(now + timedelta(minutes=61)) == 1
