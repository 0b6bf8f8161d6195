"""Import Markdown files with front matter as articles (``psm knowledge import``).

Front matter (YAML between ``---`` lines), all optional::

    title: Restoring a VOB          # else the first "# heading", else the file name
    visibility: client              # client | internal (default internal)
    tags: [backup, clearcase]       # or "backup, clearcase"
    status: published               # published | draft (default published)
    slug: restoring-a-vob           # else from the file name

A relative link from one imported file to another (``[next](../ops/restore.md#step-2)``)
becomes a link between the two articles (``article:restore#step-2``); a relative link or
image to any other file that exists (``![](img/diagram.png)``) brings the file in as the
article's own (``files/diagram.png``). Importing the same files again updates the articles
(a new revision only where something changed)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import frontmatter
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from psm.accounts.models import Account
from psm.knowledge import services
from psm.knowledge.models import Article, Status, Visibility

SUFFIXES = (".md", ".markdown")
MAX_BYTES = 2 * 1024 * 1024
# [text](target "title") and ![alt](target); <target> too.
INLINE = re.compile(r'(!?\[[^\]]*\]\()(<[^>]*>|[^)\s]+)((?:\s+"[^"]*")?\))')
# [id]: target
REFERENCE = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(<[^>]*>|\S+)", re.MULTILINE)
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass
class Source:
    path: Path
    slug: str
    meta: dict[str, Any]
    content: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "articles": self.articles,
        }


def collect(paths: list[str]) -> tuple[list[Path], list[dict[str, str]]]:
    files: list[Path] = []
    missing: list[dict[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append({"file": raw, "error": "no such file or folder"})
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, missing


def _read(path: Path) -> tuple[dict[str, Any], str]:
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise ValueError(f"over {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"the front matter is not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(post.metadata, dict):
        raise ValueError("the front matter is not a mapping of names to values")
    return dict(post.metadata), post.content


def _choice(meta: dict[str, Any], name: str, allowed: list[str], default: str) -> str:
    value = str(meta.get(name) or default).strip().lower()
    if value not in allowed:
        raise ValueError(f"{name} is one of {', '.join(allowed)}, not {value!r}")
    return value


def _title(meta: dict[str, Any], content: str, path: Path) -> str:
    if meta.get("title"):
        return str(meta["title"])
    heading = HEADING.search(content)
    if heading:
        return heading.group(1)
    return path.stem.replace("-", " ").replace("_", " ").capitalize()


def _relative(target: str) -> tuple[str, str] | None:
    """(path, fragment) of a relative link, or None for one to elsewhere."""
    bare = target[1:-1] if target.startswith("<") and target.endswith(">") else target
    parts = urlsplit(bare)
    if parts.scheme or parts.netloc or bare.startswith(("/", "#")) or not parts.path:
        return None
    return unquote(parts.path), ("#" + parts.fragment if parts.fragment else "")


def _rewrite(source: Source, by_path: dict[Path, str], files: dict[str, Path]) -> str:
    """The body with links to imported files as ``article:`` links and other local files
    as the article's own (collected into ``files``)."""

    def swap(target: str) -> str:
        found = _relative(target)
        if found is None:
            return target
        rel, fragment = found
        resolved = (source.path.parent / rel).resolve()
        if resolved in by_path:
            return f"article:{by_path[resolved]}{fragment}"
        if resolved.is_file() and resolved.suffix.lower() not in SUFFIXES:
            name = services.clean_file_name(resolved.name)
            files[name] = resolved
            return f"files/{name}"
        return target

    body = INLINE.sub(lambda m: m.group(1) + swap(m.group(2)) + m.group(3), source.content)
    return REFERENCE.sub(lambda m: m.group(1) + swap(m.group(2)), body)


def import_paths(account: Account | None, paths: list[str], actor: Any = None) -> ImportReport:
    report = ImportReport()
    found, report.rejected = collect(paths)
    sources: list[Source] = []
    taken: set[str] = set()
    for path in found:
        try:
            meta, content = _read(path)
        except (OSError, ValueError) as exc:
            report.rejected.append({"file": str(path), "error": str(exc)})
            continue
        base = slugify(str(meta.get("slug") or path.stem))[:100] or "article"
        slug, n = base, 2
        while slug in taken:
            slug = f"{base}-{n}"
            n += 1
        taken.add(slug)
        sources.append(Source(path, slug, meta, content))
    by_path = {s.path: s.slug for s in sources}
    for source in sources:
        try:
            with transaction.atomic():
                _save(account, source, by_path, actor, report)
        except (ValueError, ValidationError, OSError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            report.rejected.append({"file": str(source.path), "error": message})
    return report


def _save(
    account: Account | None,
    source: Source,
    by_path: dict[Path, str],
    actor: Any,
    report: ImportReport,
) -> None:
    meta = source.meta
    visibility = _choice(meta, "visibility", Visibility.values, Visibility.INTERNAL)
    status = _choice(meta, "status", Status.values, Status.PUBLISHED)
    tags = meta.get("tags") or []
    if not isinstance(tags, list | str):
        raise ValueError("tags is a list or a comma-separated text")
    files: dict[str, Path] = {}
    body = _rewrite(source, by_path, files)
    existing = Article.objects.filter(account=account, slug=source.slug).first()
    before = existing.revision if existing else 0
    article = services.save_article(
        actor,
        existing,
        account=account,
        slug=source.slug,
        note=f"Imported from {source.path.name}",
        title=_title(meta, source.content, source.path),
        body=body,
        tags=tags,
        visibility=visibility,
        status=status,
    )
    for name, path in files.items():
        content = path.read_bytes()
        current = article.files.filter(name=name).first()
        if current is not None:
            with current.file.open("rb") as handle:
                if _digest(handle.read()) == _digest(content):
                    continue
        services.add_file(actor, article, name, content)
    if existing is None:
        report.created += 1
    elif article.revision != before:
        report.updated += 1
    else:
        report.unchanged += 1
    report.articles.append(
        {"file": str(source.path), "id": article.pk, "slug": article.slug, "title": article.title}
    )


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
