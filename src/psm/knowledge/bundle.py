"""The static HTML bundle of an account's knowledge base: the client's intranet documentation.

What is in it is exactly what the account's client contacts read in the portal: published,
client-visible articles of the account and global ones; never a draft or an internal
article. The bundle is a folder (or a zip of it)::

    index.html                 the articles grouped by tag
    <slug>.html                one page per article
    assets/style.css           the only style sheet
    files/<slug>/<name>        the images and files the articles show

Every link and address in it is relative, so it opens from ``file://`` and from any web
server, and it loads nothing from another host (an image from elsewhere becomes a link)."""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import timezone

from psm.accounts.models import Account
from psm.knowledge.links import resolver_for
from psm.knowledge.models import Article
from psm.knowledge.render import Links, render

UNTAGGED = "Other articles"


@dataclass
class Bundle:
    account: Account
    files: dict[str, bytes] = field(default_factory=dict)  # relative path → content
    articles: int = 0

    def write(self, folder: Path) -> list[Path]:
        written = []
        for name, content in sorted(self.files.items()):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            written.append(path)
        return written

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        top = f"{self.account.slug}-knowledge"
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in sorted(self.files.items()):
                archive.writestr(f"{top}/{name}", content)
        return buffer.getvalue()

    @property
    def zip_name(self) -> str:
        return f"{self.account.slug}-knowledge.zip"


def _page_names(articles: list[Article]) -> dict[int, str]:
    """A file name per article: its slug; a global article whose slug an account article
    also has gets a suffix."""
    names: dict[int, str] = {}
    taken: set[str] = {"index"}
    for article in sorted(articles, key=lambda a: (a.account_id is None, a.slug, a.pk)):
        stem, n = article.slug, 2
        while stem in taken:
            stem = f"{article.slug}-{n}"
            n += 1
        taken.add(stem)
        names[article.pk] = stem
    return names


def build(account: Account) -> Bundle:
    articles = list(
        Article.objects.for_client(account.pk)
        .select_related("account")
        .prefetch_related("files")
        .order_by("title", "pk")
    )
    bundle = Bundle(account=account, articles=len(articles))
    names = _page_names(articles)
    included = {a.pk for a in articles}
    now = timezone.now()
    by_tag: dict[str, list[tuple[Article, str]]] = defaultdict(list)
    bundle.files["assets/style.css"] = render_to_string("knowledge/bundle/style.css").encode()
    for article in articles:
        stem = names[article.pk]
        files = {f.name: f for f in article.files.all()}

        def article_url(slug: str, source: Article = article) -> str | None:
            target = resolver_for(source)(slug)
            if target is None or target.pk not in included:
                return None
            return quote(f"{names[target.pk]}.html")

        def file_url(name: str, stem: str = stem, files: dict = files) -> str | None:  # type: ignore[type-arg]
            return quote(f"files/{stem}/{name}") if name in files else None

        rendered = render(article.body, Links(article_url, file_url, remote_images=False))
        for name in set(rendered.files) & set(files):
            with files[name].file.open("rb") as handle:
                bundle.files[f"files/{stem}/{name}"] = handle.read()
        context = {"account": account, "article": article, "body": rendered.html, "now": now}
        bundle.files[f"{stem}.html"] = render_to_string(
            "knowledge/bundle/page.html", context
        ).encode()
        for tag in article.tags or [UNTAGGED]:
            by_tag[tag].append((article, quote(f"{stem}.html")))
    groups = sorted(by_tag.items(), key=lambda kv: (kv[0] == UNTAGGED, kv[0]))
    bundle.files["index.html"] = render_to_string(
        "knowledge/bundle/index.html",
        {"account": account, "groups": groups, "count": len(articles), "now": now},
    ).encode()
    return bundle
