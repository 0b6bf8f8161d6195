"""Poll a provider's CSAF *directory-based distribution* (CSAF 2.0, section 7.1.13-7.1.16).

A provider publishes ``provider-metadata.json`` naming one ``directory_url`` per TLP level;
each directory holds ``changes.csv`` (``"path","timestamp"`` per line, newest first) and the
documents, each optionally with a ``.sha256`` file. We fetch the documents whose timestamp
differs from the one we last imported, check the SHA-256 when the provider publishes one,
and import them like any file. A document that fails to download is tried again next time;
one that is not an advisory is rejected and kept with the reason.

``Fetcher`` is the interface to the outside; its real client uses ``urllib`` (HTTPS or HTTP)
and the tests point it at a local HTTP server.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from django.db.models import Q
from django.utils import timezone

from psm.advisories.importer import MAX_BYTES, ImportReport, import_document
from psm.advisories.matching import Catalog
from psm.advisories.models import Feed

TIMEOUT = 30


class FetchError(Exception):
    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.status = status


class Fetcher(Protocol):
    def get(self, url: str) -> bytes: ...


class HttpFetcher:
    """GET over HTTP(S) with a size limit; any failure is a FetchError."""

    def get(self, url: str) -> bytes:
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(url, "only http and https addresses are fetched")
        request = urllib.request.Request(url, headers={"User-Agent": "PSM advisories poller"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body: bytes = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise FetchError(url, f"HTTP {exc.code} {exc.reason}", exc.code) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(url, str(reason)) from None
        if len(body) > MAX_BYTES:
            raise FetchError(url, "larger than the size limit")
        return body


@dataclass
class PollReport:
    report: ImportReport = field(default_factory=ImportReport)
    fetched: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {**self.report.as_json(), "fetched": self.fetched, "errors": self.errors}


def directories(feed: Feed, fetcher: Fetcher) -> list[str]:
    """The directory URLs of the feed (from provider-metadata.json, or the URL itself)."""
    if not feed.url.endswith(".json"):
        return [feed.url if feed.url.endswith("/") else feed.url + "/"]
    try:
        metadata = json.loads(fetcher.get(feed.url))
    except json.JSONDecodeError as exc:
        raise FetchError(feed.url, f"provider-metadata.json is not JSON ({exc.msg})") from None
    found = [
        str(d["directory_url"])
        for d in metadata.get("distributions") or []
        if isinstance(d, dict) and d.get("directory_url")
    ]
    if not found:
        raise FetchError(feed.url, "provider-metadata.json names no directory_url distribution")
    return [url if url.endswith("/") else url + "/" for url in found]


def changes(directory: str, fetcher: Fetcher) -> list[tuple[str, str]]:
    """(document URL, timestamp) of every line of the directory's changes.csv."""
    text = fetcher.get(urljoin(directory, "changes.csv")).decode("utf-8", "replace")
    rows = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0].strip():
            rows.append((urljoin(directory, row[0].strip()), row[1].strip()))
    return rows


def poll(feed: Feed, fetcher: Fetcher | None = None, limit: int = 500) -> PollReport:
    """Fetch and import what changed since the last poll (at most ``limit`` documents)."""
    fetcher = fetcher or HttpFetcher()
    result = PollReport()
    catalog = Catalog.load()
    seen = dict(feed.seen)
    try:
        for directory in directories(feed, fetcher):
            for url, stamp in changes(directory, fetcher):
                if seen.get(url) == stamp or result.fetched >= limit:
                    continue
                try:
                    raw = fetcher.get(url)
                    _check_hash(url, raw, fetcher)
                except FetchError as exc:
                    result.errors.append(str(exc))
                    continue
                result.fetched += 1
                result.report.add(import_document(raw, url, catalog=catalog, feed=feed))
                seen[url] = stamp
    except FetchError as exc:
        result.errors.append(str(exc))
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(
        seen=seen,
        last_polled_at=now,
        last_error="\n".join(result.errors)[:5000],
        last_summary=result.as_json(),
    )
    feed.seen = seen
    return result


def _check_hash(url: str, raw: bytes, fetcher: Fetcher) -> None:
    try:
        published = fetcher.get(url + ".sha256").decode("ascii", "replace").split()
    except FetchError as exc:
        if exc.status == 404:
            return  # the provider publishes no hash for it
        raise
    if published and published[0].lower() != hashlib.sha256(raw).hexdigest():
        raise FetchError(url, "SHA-256 does not match the published .sha256 file")


def due_feeds(now: datetime) -> list[Feed]:
    due = Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    return list(Feed.objects.filter(due, enabled=True))


def sweep_feeds(now: datetime | None = None, fetcher: Fetcher | None = None) -> int:
    """Poll every due feed once: each is claimed by moving ``next_poll_at`` with a
    conditional UPDATE, so two schedulers never poll the same feed twice."""
    now = now or timezone.now()
    polled = 0
    for feed in due_feeds(now):
        following = now + timedelta(minutes=max(feed.interval_minutes, 1))
        claimed = Feed.objects.filter(pk=feed.pk, next_poll_at=feed.next_poll_at).update(
            next_poll_at=following
        )
        if claimed:
            poll(feed, fetcher)
            polled += 1
    return polled
