"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3.

An article's links name other articles (``article:SLUG#part``) and its own files
(``files/NAME``); the page that shows it passes a ``Links`` saying where those live for it
(the staff pages, the portal, or the static bundle). A link that cannot be followed there (a
draft, an internal article in the portal) keeps its text and loses its address. With
``remote_images`` off (the bundle, which loads nothing from another host) an image from
another host becomes a link to it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ARTICLE_SCHEME = "article:"
FILES_PREFIX = "files/"

Resolve = Callable[[str], str | None]


def _none(_: str) -> str | None:
    return None


@dataclass(frozen=True)
class Links:
    article: Resolve = _none
    file: Resolve = _none
    remote_images: bool = True


@dataclass
class Rendered:
    html: str
    articles: list[str] = field(default_factory=list)  # slugs linked to
    files: list[str] = field(default_factory=list)  # file names used


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


MD = _parser()

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}


def _is_remote(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


def _split_fragment(target: str) -> tuple[str, str]:
    base, hash_, fragment = target.partition("#")
    return base, (hash_ + fragment)


def _resolve_href(href: str, links: Links, found: Rendered) -> str | None:
    if href.startswith(ARTICLE_SCHEME):
        slug, fragment = _split_fragment(href[len(ARTICLE_SCHEME) :])
        found.articles.append(slug)
        url = links.article(slug)
        return url + fragment if url is not None else None
    if href.startswith(FILES_PREFIX):
        name = unquote(href[len(FILES_PREFIX) :])
        found.files.append(name)
        return links.file(name)
    return href


def _rewrite(tokens: list[Token], links: Links, found: Rendered) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if token.children:
            token.children = _rewrite(token.children, links, found)
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            resolved = _resolve_href(href, links, found)
            if resolved is None:
                token.attrs.pop("href", None)
                token.attrSet("title", "Not available here")
            else:
                token.attrSet("href", resolved)
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            if src.startswith(FILES_PREFIX):
                resolved = _resolve_href(src, links, found)
                if resolved is None:
                    out.append(_text(f"[image: {token.content or src}]"))
                    continue
                token.attrSet("src", resolved)
            elif _is_remote(src) and not links.remote_images:
                out.extend(_link_to(src, token.content or src))
                continue
        out.append(token)
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _link_to(url: str, text: str) -> list[Token]:
    opening = Token("link_open", "a", 1)
    opening.attrSet("href", url)
    return [opening, _text(text), Token("link_close", "a", -1)]


def render(markdown: str, links: Links | None = None) -> Rendered:
    """Safe HTML for ``markdown`` with its links resolved by ``links``."""
    links = links or Links()
    found = Rendered(html="")
    env: dict[str, Any] = {}
    tokens = _rewrite(MD.parse(markdown, env), links, found)
    raw = MD.renderer.render(tokens, MD.options, env)
    found.html = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
    )
    return found


SPACES = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """The words of an article as a reader sees them (search and snippets read this)."""
    # Images as images (their tags go below, alt text and all): no "[image: …]" words.
    rendered = render(markdown, Links(file=lambda name: name)).html
    text = nh3.clean(
        re.sub(r"<(/?(p|h\d|li|tr|pre|blockquote|br)\b)", r" <\1", rendered), tags=set()
    )
    return SPACES.sub(" ", html.unescape(text)).strip()
