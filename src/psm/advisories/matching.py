"""Matches as stored rows, kept current incrementally: when an advisory is imported, when an
account's inventory changes, when a catalog product changes — never per page view.

Each entry point computes the decisions for the slice that changed (one advisory's products;
one account's installs; one product) with ``rules.decide`` and writes only the difference to
the ``Match`` table. It returns the (account, advisory) pairs whose matches changed, so the
caller can move the PSM's work items (``services.refresh_items``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from psm.accounts.models import InstalledProduct, Product
from psm.advisories.csaf import AFFECTED
from psm.advisories.models import Match, ReviewState, Statement
from psm.advisories.rules import Decision, Inst, ProductIndex, Stmt, decide_indexed
from psm.advisories.versions import Unreadable, exact, parse_vers

Pair = tuple[int, int]  # (account id, advisory id)


@dataclass
class Changes:
    created: int = 0
    updated: int = 0
    removed: int = 0
    pairs: set[Pair] = field(default_factory=set)


# --- the catalog: which product an advisory's product names -------------------------------


def purl_key(purl: str) -> str:
    """``pkg:generic/IBM/ClearCase@9.0.1?arch=x`` → ``pkg:generic/ibm/clearcase``."""
    text = purl.strip().lower()
    if not text.startswith("pkg:"):
        return ""
    return text.split("?", 1)[0].split("#", 1)[0].split("@", 1)[0].rstrip("/")


def cpe_key(cpe: str) -> str:
    """CPE 2.3 or 2.2 → ``part:vendor:product`` (lower case), or ""."""
    text = cpe.strip().lower()
    if text.startswith("cpe:2.3:"):
        fields = text.split(":")[2:5]
    elif text.startswith("cpe:/"):
        fields = text[5:].split(":")[:3]
    else:
        return ""
    return ":".join(fields) if len(fields) == 3 and all(fields) else ""


@dataclass
class Catalog:
    names: dict[str, int] = field(default_factory=dict)
    purls: dict[str, int] = field(default_factory=dict)
    cpes: dict[str, int] = field(default_factory=dict)
    schemes: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, products: Iterable[Product] | None = None) -> Catalog:
        catalog = cls()
        for product in products if products is not None else Product.objects.all():
            catalog.schemes[product.pk] = product.version_scheme
            for name in product.names():
                catalog.names.setdefault(name, product.pk)
            if key := purl_key(product.purl):
                catalog.purls.setdefault(key, product.pk)
            if key := cpe_key(product.cpe):
                catalog.cpes.setdefault(key, product.pk)
        return catalog

    def resolve(self, statement: Statement) -> int | None:
        for key, table in (
            (statement.purl_key, self.purls),
            (statement.cpe_key, self.cpes),
            (statement.name_key, self.names),
            (statement.alt_key, self.names),
        ):
            if key and key in table:
                return table[key]
        return None


def classify(statement: Statement, scheme: str | None) -> None:
    """Set the range the statement matches with, or why it cannot be read. Unreadable ranges
    of products in our catalog wait for a person (``review_state`` open); a person's reading
    (``resolved``) or dismissal (``ignored``) is kept."""
    if statement.review_state in (ReviewState.RESOLVED, ReviewState.IGNORED):
        return
    statement.vers, statement.unreadable = "", ""
    scheme = scheme or "dotted"
    try:
        if statement.version_range:
            statement.vers = parse_vers(statement.version_range, scheme).vers()
        elif statement.version:
            one = exact(statement.version, scheme)
            bound = {"first_affected": ">=", "last_affected": "<=", "first_fixed": ">="}
            op = bound.get(statement.status, "")
            statement.vers = f"vers:{one.scheme}/{op}{statement.version.strip()}"
        else:
            raise Unreadable("the advisory gives no version or range for this product")
    except Unreadable as exc:
        statement.unreadable = str(exc)[:300]
    relevant_status = statement.status in AFFECTED or statement.status == "under_investigation"
    needs_person = bool(statement.unreadable) and statement.catalog_product_id is not None
    statement.review_state = ReviewState.OPEN if needs_person and relevant_status else ""


def bound_first_last(statements: list[Statement]) -> None:
    """``first_affected`` X and ``last_affected`` Y of one product in one vulnerability make
    one interval ``>=X|<=Y`` (alone, each is an open-ended bound)."""
    groups: dict[tuple[str, int | None, str], dict[str, Statement]] = defaultdict(dict)
    for s in statements:
        if s.status in ("first_affected", "last_affected") and s.vers and not s.version_range:
            groups[(s.vulnerability, s.catalog_product_id, s.architecture)][s.status] = s
    for found in groups.values():
        first, last = found.get("first_affected"), found.get("last_affected")
        if first is not None and last is not None:
            scheme = first.vers.split("/", 1)[0]
            interval = f"{scheme}/>={first.version.strip()}|<={last.version.strip()}"
            first.vers = last.vers = interval


# --- rows for the rules ----------------------------------------------------------------


def statements_for(qs: QuerySet[Statement]) -> list[Stmt]:
    rows = (
        qs.filter(catalog_product__isnull=False)
        .exclude(vers="")
        .values_list(
            "id",
            "advisory_id",
            "vulnerability",
            "status",
            "catalog_product_id",
            "vers",
            "architecture",
            "version",
        )
    )
    return [Stmt._make(row) for row in rows]


def installs_for(qs: QuerySet[InstalledProduct]) -> list[Inst]:
    """The installs as the rules need them. Read with the cursor: a popular product has
    thousands of installs, and Django's row conversion would be most of the matching time."""
    columns = qs.order_by().values_list(
        "id",
        "account_id",
        "product_id",
        "product__name",
        "version",
        "platform",
        "site__name",
        "product__version_scheme",
    )
    try:
        sql, params = columns.query.sql_with_params()
    except EmptyResultSet:  # e.g. ``product_id__in=[]``
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Inst(a, b, c, d, e, f or "", g or "", h) for a, b, c, d, e, f, g, h in rows]


def compute(installs: list[Inst], statements: list[Stmt]) -> dict[tuple[int, int], Decision]:
    """(advisory id, install id) → decision. Each product's installs are sorted by version
    once; each advisory's ranges then find their installs by binary search (the index a
    naive matcher lacks)."""
    by_product: dict[int, list[Inst]] = defaultdict(list)
    for install in installs:
        by_product[install.product_id].append(install)
    indexes = {pid: ProductIndex(group) for pid, group in by_product.items()}
    groups: dict[tuple[int, int], list[Stmt]] = defaultdict(list)
    for stmt in statements:
        if stmt.product_id in indexes:
            groups[(stmt.advisory_id, stmt.product_id)].append(stmt)
    found: dict[tuple[int, int], Decision] = {}
    for (advisory_id, product_id), stmts in groups.items():
        for install_id, decision in decide_indexed(indexes[product_id], stmts).items():
            found[(advisory_id, install_id)] = decision
    return found


def _write(
    desired: dict[tuple[int, int], Decision],
    existing: QuerySet[Match],
    accounts: dict[int, int],
) -> Changes:
    """Make ``existing`` (the rows of the slice) equal ``desired``."""
    changes = Changes()
    have = {
        (adv, inst): (pk, account, status, reason, fixed)
        for pk, adv, inst, account, status, reason, fixed in existing.values_list(
            "pk", "advisory_id", "install_id", "account_id", "status", "reason", "fixed_in"
        )
    }
    gone = [(key, row) for key, row in have.items() if key not in desired]
    if gone:
        Match.objects.filter(pk__in=[row[0] for _, row in gone]).delete()
        changes.removed = len(gone)
        changes.pairs |= {(row[1], key[0]) for key, row in gone}
    now = timezone.now()
    new = []
    for key, decision in desired.items():
        row = have.get(key)
        account_id = accounts[key[1]]
        if row is None:
            new.append(
                Match(
                    advisory_id=key[0],
                    install_id=key[1],
                    account_id=account_id,
                    status=decision.status,
                    reason=decision.reason,
                    fixed_in=decision.fixed_in,
                    matched_at=now,
                )
            )
            changes.pairs.add((account_id, key[0]))
        elif (row[2], row[3], row[4]) != (decision.status, decision.reason, decision.fixed_in):
            Match.objects.filter(pk=row[0]).update(
                status=decision.status, reason=decision.reason, fixed_in=decision.fixed_in
            )
            changes.updated += 1
            changes.pairs.add((account_id, key[0]))
    if new:
        Match.objects.bulk_create(new, batch_size=1000)
        changes.created = len(new)
    return changes


def match_advisories(advisory_ids: Iterable[int]) -> Changes:
    """Re-match these advisories against every install of the products they name."""
    ids = list(advisory_ids)
    statements = statements_for(Statement.objects.filter(advisory_id__in=ids))
    products = {s.product_id for s in statements}
    installs = installs_for(InstalledProduct.objects.filter(product_id__in=products))
    desired = compute(installs, statements)
    accounts = {i.id: i.account_id for i in installs}
    return _write(desired, Match.objects.filter(advisory_id__in=ids), accounts)


def match_accounts(account_ids: Iterable[int]) -> Changes:
    """Re-match every advisory against these accounts' installs (their inventory changed)."""
    ids = list(account_ids)
    installs = installs_for(InstalledProduct.objects.filter(account_id__in=ids))
    products = {i.product_id for i in installs}
    statements = statements_for(Statement.objects.filter(catalog_product_id__in=products))
    desired = compute(installs, statements)
    accounts = {i.id: i.account_id for i in installs}
    return _write(desired, Match.objects.filter(account_id__in=ids), accounts)


def resolve_product(product: Product) -> set[int]:
    """Re-read which statements name ``product`` (its names, purl or CPE changed); returns
    the advisories concerned before or after."""
    catalog = Catalog.load()
    names = product.names()
    q = Q(catalog_product=product) | Q(name_key__in=names) | Q(alt_key__in=names)
    if key := purl_key(product.purl):
        q |= Q(purl_key=key)
    if key := cpe_key(product.cpe):
        q |= Q(cpe_key=key)
    touched: set[int] = set()
    for statement in Statement.objects.filter(q):
        before = (statement.catalog_product_id, statement.vers, statement.review_state)
        statement.catalog_product_id = catalog.resolve(statement)
        classify(statement, catalog.schemes.get(statement.catalog_product_id or 0))
        if (statement.catalog_product_id, statement.vers, statement.review_state) != before:
            statement.save(update_fields=["catalog_product", "vers", "unreadable", "review_state"])
        touched.add(statement.advisory_id)
    return touched


def match_all() -> Changes:
    """The full re-match (every install against every statement), written as a difference."""
    statements = statements_for(Statement.objects.all())
    installs = installs_for(InstalledProduct.objects.all())
    desired = compute(installs, statements)
    accounts = {i.id: i.account_id for i in installs}
    return _write(desired, Match.objects.all(), accounts)
