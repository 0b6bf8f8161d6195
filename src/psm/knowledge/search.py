"""Full-text search of articles, on either database, ranked with highlighted snippets.

- SQLite: an FTS5 table ``knowledge_search`` (``unicode61 remove_diacritics 2``), one row
  per article (rowid = the article's id), ranked by bm25 with the title weighing most.
- PostgreSQL: ``Article.search_vector`` (title A, tags B, text C) under a GIN index, asked
  with ``websearch_to_tsquery``, ranked by ``ts_rank``, snippets by ``ts_headline``.

What people type is never handed to FTS5 as syntax: ``fts_query`` reads it the way
``websearch_to_tsquery`` does (words, "quoted phrases", ``or``, ``-word``) and writes a
query of quoted terms only, so ``"foo AND`` finds "foo" and "and" instead of failing.

The index is kept by ``index`` (called by the services on every save) and rebuilt whole by
``reindex`` (``psm knowledge reindex``, after a restore from a data dump)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import nh3
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, QuerySet, TextField
from django.db.models.functions import Cast

from psm.knowledge.models import Article

CONFIG = "english"  # PostgreSQL's text search configuration (stemming)
TABLE = "knowledge_search"
START, STOP = "\ue000", "\ue001"  # marks around a match, made <mark> after escaping
MAX_QUERY = 300


def sqlite() -> bool:
    return connection.vendor == "sqlite"


# --- the index (created by migration 0001) ---------------------------------------------


def _vector() -> Any:
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector(Cast("tags", output_field=TextField()), weight="B", config=CONFIG)
        + SearchVector("plain", weight="C", config=CONFIG)
    )


def index(article: Article) -> None:
    """Bring one article's entry up to date (inside the caller's transaction)."""
    if sqlite():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [article.pk])
            cursor.execute(
                f"INSERT INTO {TABLE}(rowid, title, tags, plain) VALUES (%s, %s, %s, %s)",
                [article.pk, article.title, " ".join(article.tags), article.plain],
            )
    else:
        Article.objects.filter(pk=article.pk).update(search_vector=_vector())


def unindex(article_id: int) -> None:
    if sqlite():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [article_id])


def reindex() -> int:
    """Rebuild the whole index from the articles; returns how many were indexed."""
    if sqlite():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(
                f"INSERT INTO {TABLE}(rowid, title, tags, plain) "
                "SELECT id, title, "
                "COALESCE((SELECT group_concat(value, ' ') "
                "FROM json_each(knowledge_article.tags)), ''), "
                "plain FROM knowledge_article"
            )
    else:
        Article.objects.update(search_vector=_vector())
    return Article.objects.count()


# --- reading what people type ------------------------------------------------------------

TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
WORD = re.compile(r"\w+")


def fts_query(text: str) -> str | None:
    """An FTS5 query of quoted terms for what was typed (websearch rules), or None when it
    holds no word to look for."""
    groups: list[list[str]] = []
    negatives: list[str] = []
    join_next = False
    for match in TOKEN.finditer(text[:MAX_QUERY]):
        negative, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or" and groups:
                join_next = True
                continue
            negative = "-" if bare.startswith("-") else ""
            words = WORD.findall(bare)
        else:
            words = WORD.findall(phrase)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        if negative:
            negatives.append(term)
            join_next = False
            continue
        if join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if not groups:
        return None
    query = " AND ".join("(" + " OR ".join(g) + ")" for g in groups)
    for term in negatives:
        query = f"({query}) NOT {term}"
    return query


# --- asking ------------------------------------------------------------------------------


@dataclass
class Hit:
    article: Article
    rank: float
    title_html: str
    snippet_html: str


@dataclass
class Results:
    query: str
    hits: list[Hit]
    total: int


def marked(text: str) -> str:
    """Escaped text with the match marks as <mark> (balanced whatever the text held)."""
    escaped = html.escape(text or "").replace(START, "<mark>").replace(STOP, "</mark>")
    return nh3.clean(escaped, tags={"mark"}, attributes={})


def search(articles: QuerySet[Article], text: str, *, limit: int = 20, offset: int = 0) -> Results:
    """The articles of ``articles`` (already narrowed to what the reader may see) matching
    ``text``, best first."""
    text = (text or "").strip()
    if not text:
        return Results(text, [], 0)
    if sqlite():
        return _sqlite(articles, text, limit, offset)
    return _postgres(articles, text, limit, offset)


def _sqlite(articles: QuerySet[Article], text: str, limit: int, offset: int) -> Results:
    query = fts_query(text)
    if query is None:
        return Results(text, [], 0)
    scope_sql, scope_params = articles.values("pk").query.sql_with_params()
    where = f"{TABLE} MATCH %s AND rowid IN ({scope_sql})"
    params = [query, *scope_params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE {where}", params)
        total = int(cursor.fetchone()[0])
        # Ranked ids first; the snippets only for the page shown (snippet() is the costly part).
        cursor.execute(
            f"SELECT rowid, bm25({TABLE}, 10.0, 4.0, 1.0) AS score FROM {TABLE} "
            f"WHERE {where} ORDER BY score, rowid LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        ranked = cursor.fetchall()
        marks: dict[int, tuple[str, str]] = {}
        if ranked:
            ids = [r[0] for r in ranked]
            cursor.execute(
                f"SELECT rowid, highlight({TABLE}, 0, %s, %s), "
                f"snippet({TABLE}, 2, %s, %s, '…', 24) FROM {TABLE} "
                f"WHERE {TABLE} MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})",
                [START, STOP, START, STOP, query, *ids],
            )
            marks = {r[0]: (r[1], r[2]) for r in cursor.fetchall()}
        rows = [(pk, score, *marks.get(pk, ("", ""))) for pk, score in ranked]
    found = Article.objects.select_related("account").in_bulk([r[0] for r in rows])
    hits = [
        Hit(found[pk], -float(score), marked(title), marked(snippet))
        for pk, score, title, snippet in rows
        if pk in found
    ]
    return Results(text, hits, total)


def _postgres(articles: QuerySet[Article], text: str, limit: int, offset: int) -> Results:
    query = SearchQuery(text[:MAX_QUERY], search_type="websearch", config=CONFIG)
    matching = articles.filter(search_vector=query)
    total = matching.count()
    ranked = (
        matching.select_related("account")
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            title_hl=SearchHeadline(
                "title",
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                highlight_all=True,
            ),
            snippet=SearchHeadline(
                "plain",
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "pk")[offset : offset + limit]
    )
    hits = [Hit(a, float(a.rank), marked(a.title_hl), marked(a.snippet)) for a in ranked]
    return Results(text, hits, total)


__all__ = ["Hit", "Results", "fts_query", "index", "reindex", "search", "unindex"]
