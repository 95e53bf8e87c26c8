"""The lists behind the figures (issue 18's drill-down): the answers or the tickets one
figure counted, filtered as it was, a page at a time or whole for an export, each row with
its agent's name and its ticket's page in the help desk (the account's `ticket_url`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cxpulse.domain import InvalidQuery
from cxpulse.service.accounts import ticket_link
from cxpulse.storage import Store, listing, queries

LIST_KINDS, RESPONSE_SORTS, TICKET_SORTS = listing.LIST_KINDS, listing.RESPONSE_SORTS, listing.TICKET_SORTS
PER_PAGE = 50
MAX_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Which rows: one account's, in a period, narrowed like a report (`where`)."""

    account: str
    since: date
    until: date
    where: tuple[tuple[str, str], ...] = ()
    sort: str = ""
    descending: bool = True
    page: int = 1  # from 1
    per_page: int | None = PER_PAGE  # None: every row (an export)

    @property
    def offset(self) -> int:
        return 0 if self.per_page is None else (max(self.page, 1) - 1) * self.per_page


@dataclass
class Listed:
    total: int
    rows: list[dict]
    query: ListQuery

    @property
    def pages(self) -> int:
        per = self.query.per_page
        return 1 if not per else max(1, -(-self.total // per))

    @property
    def first(self) -> int:
        return 0 if not self.rows else self.query.offset + 1

    @property
    def last(self) -> int:
        return self.query.offset + len(self.rows)


def _window(store: Store, q: ListQuery) -> tuple[queries.Window, str]:
    if q.since > q.until:
        raise InvalidQuery(f"the period starts {q.since}, after its end {q.until}")
    queries.check_where(q.where)
    acc = store.account(q.account)
    if q.per_page is not None and not 1 <= q.per_page <= MAX_PER_PAGE:
        raise InvalidQuery(f"{q.per_page} rows a page: give 1 to {MAX_PER_PAGE}")
    return queries.Window((acc.id,), q.since, q.until, q.where), acc.account.ticket_url


def _decorate(store: Store, rows: list[dict], template: str) -> None:
    with store.engine.connect() as conn:
        names = queries.agent_names(conn) if rows else {}
    for row in rows:
        row["agent_name"] = names.get(row["agent"]) or row["agent"]
        row["ticket_url"] = ticket_link(template, row["ticket_id"]) if row["ticket_id"] else None


BUCKETS = {"first_reply": ("<1 h", "1–4 h", "4–24 h", ">24 h", "no reply"), "reopens": ("0", "1", "2+"),
           "reassignments": ("0", "1", "2+"), "due": ("on time", "late")}


def answers(store: Store, q: ListQuery, *, kinds: Sequence[str] = (), low: bool = False,
            scores: Sequence[int] = (), bucket: tuple[str, str] | None = None, now=None) -> Listed:
    """The survey answers of the period (CSAT, NPS, CES, CSI; `low`: those that count
    against the figure), newest first unless sorted otherwise."""
    bad = [k for k in kinds if k not in listing.LIST_KINDS]
    if bad:
        raise InvalidQuery(f"no answers of kind {bad[0]!r}; use {', '.join(listing.LIST_KINDS)}")
    if bucket is not None and bucket[1] not in BUCKETS.get(bucket[0], ()):
        raise InvalidQuery(f"no bucket {bucket[1]!r} of {bucket[0]!r}; use one of the Drivers page's buckets")
    window, template = _window(store, q)
    with store.engine.connect() as conn:
        page = listing.response_page(conn, window=window, kinds=kinds, low=low, scores=scores, bucket=bucket, now=now,
                                     sort=q.sort or "date", descending=q.descending, offset=q.offset,
                                     limit=q.per_page)
    _decorate(store, page.rows, template)
    return Listed(page.total, page.rows, q)


SLA_STATUSES = ("met", "breached", "running")


def tickets(store: Store, q: ListQuery, *, solved: bool | None = None, reopened: bool | None = None,
            sla: tuple[str, str] | None = None, now=None) -> Listed:
    """The tickets created in the period with their KPIs: what the service figures count;
    `sla` (target kind, status): those with such an SLA target."""
    from cxpulse.domain.sla import TARGET_KINDS

    if sla is not None and (sla[0] not in TARGET_KINDS or sla[1] not in SLA_STATUSES):
        raise InvalidQuery(f"no SLA target {sla[0]!r} {sla[1]!r}; use one of {', '.join(TARGET_KINDS)} and "
                           f"{', '.join(SLA_STATUSES)}")
    window, template = _window(store, q)
    with store.engine.connect() as conn:
        page = listing.ticket_page(conn, window=window, solved=solved, reopened=reopened, sla=sla, now=now,
                                   sort=q.sort or "created", descending=q.descending, offset=q.offset,
                                   limit=q.per_page)
    _decorate(store, page.rows, template)
    return Listed(page.total, page.rows, q)
