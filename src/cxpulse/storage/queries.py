"""The read side for reports. SQL only counts (DESIGN.md); the metrics package does the math.

Response counts are answered from the coarsest rollup that covers the requested
grouping and date range, or from the raw rows when none does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, and_, case, func, or_, select

from cxpulse.domain import InvalidQuery
from cxpulse.metrics.facts import KPI_NAMES
from cxpulse.storage import tables
from cxpulse.storage.mystery import not_test_contact
from cxpulse.storage.rows import aware_utc, naive_utc
from cxpulse.storage.rollups import (
    agent_expr,
    channel_expr,
    month_span,
    r,
    responses_with_tickets,
    t,
    time_column,
)

TIME_KEYS = ("day", "week", "month")
DIM_KEYS = ("account", "agent", "group", "channel", "category")
BY_KEYS = DIM_KEYS + TIME_KEYS


FILTER_KEYS = ("agent", "group", "channel", "category")  # what a report may be narrowed to (Window.where)


@dataclass(frozen=True, slots=True)
class Window:
    """Which accounts and which local days (inclusive) a query covers, and which one
    agent, group, channel or category (`where`: (key, value) pairs; "" is "none")."""

    account_ids: tuple[int, ...] | None = None
    since: date | None = None
    until: date | None = None
    where: tuple[tuple[str, str], ...] = ()


def check_where(where: Sequence[tuple[str, str]]) -> None:
    bad = [k for k, _v in where if k not in FILTER_KEYS]
    if bad:
        raise InvalidQuery(f"cannot filter by {bad[0]!r}; use {', '.join(FILTER_KEYS)}")


def where_conds(cols: dict, window: Window) -> list:
    """The window's filters on the query's own dimension columns (NULL counts as "")."""
    return [func.coalesce(cols[key], "") == value for key, value in window.where]


def period_key(day: date, key: str) -> str:
    """The label of the period a local day falls in: 2026-03-05, 2026-W10, 2026-03."""
    if key == "day":
        return day.isoformat()
    if key == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return f"{day.year}-{day.month:02d}"


def group_labels(by: Sequence[str], row: Sequence) -> tuple[str, ...]:
    """The --by values at the head of a result row, as labels: ids as text, days as periods."""
    return tuple(
        period_key(_as_date(v), key) if key in TIME_KEYS else ("" if v is None else str(v))
        for key, v in zip(by, row[: len(by)])
    )


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])


def check_by(by: Sequence[str]) -> None:
    bad = [k for k in by if k not in BY_KEYS]
    if bad:
        raise InvalidQuery(f"unknown --by key {bad[0]!r}; use one or two of {', '.join(BY_KEYS)}")
    if len([k for k in by if k in TIME_KEYS]) > 1:
        raise InvalidQuery("--by takes at most one of day, week, month")


# ---- response counts --------------------------------------------------------------------

GRAINS = {
    # table: the non-time dimensions it can group by, and its time resolution; usually
    # smallest first (a team has fewer categories than agents), which keeps pick_grain's
    # counting short: each count stops at the best so far
    "rollup_month_category": ({"account", "category"}, "month"),
    "rollup_month_agent": ({"account", "agent"}, "month"),
    "rollup_day_account": ({"account"}, "day"),
    "rollup_day": ({"account", "channel", "group"}, "day"),
}


def grain_candidates(by: Sequence[str], window: Window) -> list[str]:
    """The rollups that answer this query exactly, in GRAINS order: they must hold the
    dimensions grouped by and those filtered on."""
    dims = {k for k in by if k not in TIME_KEYS} | {k for k, _v in window.where}
    time_key = next((k for k in by if k in TIME_KEYS), None)
    month_aligned = _month_aligned(window)
    out = []
    for name, (covers, resolution) in GRAINS.items():
        if not dims <= covers:
            continue
        if resolution == "month" and (time_key in ("day", "week") or not month_aligned):
            continue
        out.append(name)
    if any(name.startswith("rollup_month") for name in out):
        # a month grain has fewer rows than a month of days unless an account has over ~30
        # categories: rollup_day_account is for the days no month grain answers (and on
        # SQLite pick_grain would count it for nothing)
        out = [name for name in out if name != "rollup_day_account"]
    return out


def pick_grain(conn: Connection, by: Sequence[str], window: Window) -> str:
    """The coarsest rollup that answers this query exactly — fewest rows in the window — else "raw".

    Several grains often can (an overview: both month grains), and their sizes differ
    with the account: 60 agents or 15 categories a month. Counting is cheap beside the
    query (an index range, ~1/20 of the scan), and stops at the best count so far.
    """
    names = grain_candidates(by, window)
    if len(names) <= 1:
        return names[0] if names else "raw"
    if conn.dialect.name == "postgresql":
        # there a count is no index-only range (the visibility map lags each recount): at
        # 10M responses counting cost ~250 ms, the query itself ~75 ms (docs/postgres.md).
        # GRAINS lists the usually smaller rollup first; every candidate answers exactly.
        return names[0]
    best, best_n = names[0], None
    for name in names:
        tbl = getattr(tables, name)
        time_col = time_column(tbl)
        inner = select(tbl.c.account_id).where(*window_conds(tbl.c.account_id, time_col, window, name))
        if best_n is not None:
            inner = inner.limit(best_n)
        n = conn.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
        if best_n is None or n < best_n:
            best, best_n = name, n
    return best


def _month_aligned(w: Window) -> bool:
    ok_since = w.since is None or w.since.day == 1
    ok_until = w.until is None or (w.until + timedelta(days=1)).day == 1
    return ok_since and ok_until


@dataclass(frozen=True, slots=True)
class ScoreCount:
    group: tuple[str, ...]  # values of the --by keys, in order
    kind: str
    scale: str
    attribute: str
    score: int
    importance: int | None
    n: int


def response_counts(
    conn: Connection, *, by: Sequence[str], window: Window, kinds: Sequence[str] | None = None
) -> tuple[list[ScoreCount], str]:
    """Counts per (group, kind, scale, attribute, score, importance); also the grain used
    (the whole months' grain, when a ragged window is split: see `plan_grains`)."""
    check_by(by)
    merged: dict[tuple, int] = defaultdict(int)
    plan = plan_grains(conn, by, window)
    for grain, part in plan:
        _count_into(merged, conn, by, part, grain, kinds)
    out = [
        ScoreCount(g, kind, scale, attr, score, None if imp < 0 else imp, n)
        for (g, kind, scale, attr, score, imp), n in merged.items()
    ]
    return out, plan[0][0]


def plan_grains(conn: Connection, by: Sequence[str], window: Window) -> list[tuple[str, Window]]:
    """Which tables answer which days of the window: one grain for all of it when one can;
    else a ragged window (a year ending today) that holds whole months and is not grouped
    by day or week is split — its whole months from a month rollup, its ragged ends from
    the day rollup or the raw rows. The counts add up to the same: each day is counted
    once, from tables counted alike (storage/rollups.py)."""
    grain = pick_grain(conn, by, window)
    if grain.startswith("rollup_month") or _month_aligned(window) or window.since is None or window.until is None:
        return [(grain, window)]
    if any(k in ("day", "week") for k in by):
        return [(grain, window)]
    first = window.since if window.since.day == 1 else month_span(window.since, window.since)[1] + timedelta(days=1)
    last = window.until if (window.until + timedelta(days=1)).day == 1 else \
        month_span(window.until, window.until)[0] - timedelta(days=1)
    if first > last:
        return [(grain, window)]
    inner = replace(window, since=first, until=last)
    month = pick_grain(conn, by, inner)
    if not month.startswith("rollup_month"):
        return [(grain, window)]
    parts = [(month, inner)]
    for since, until in ((window.since, first - timedelta(days=1)), (last + timedelta(days=1), window.until)):
        if since <= until:
            parts.append((grain, replace(window, since=since, until=until)))
    return parts


def _count_into(merged: dict[tuple, int], conn: Connection, by: Sequence[str], window: Window, grain: str,
                kinds: Sequence[str] | None) -> None:
    if grain == "raw":
        cols = {
            "account": r.c.account_id,
            "agent": agent_expr(),
            "group": func.coalesce(t.c.group_name, ""),
            "channel": channel_expr(),
            "category": func.coalesce(t.c.category, ""),
        }
        time_col, src, tbl = r.c.day, responses_with_tickets, r
        kind_cols = [r.c.kind, r.c.scale, r.c.attribute, r.c.score, func.coalesce(r.c.importance, -1)]
        n_col = func.count()
    else:
        tbl = getattr(tables, grain)
        cols = {
            "account": tbl.c.account_id,
            "agent": tbl.c.get("agent_id"),
            "group": tbl.c.get("group_name"),
            "channel": tbl.c.get("channel"),
            "category": tbl.c.get("category"),
        }
        time_col = time_column(tbl)
        src = tbl
        kind_cols = [tbl.c.kind, tbl.c.scale, tbl.c.attribute, tbl.c.score, tbl.c.importance]
        n_col = func.sum(tbl.c.n)
    group_cols = [cols[k] if k not in TIME_KEYS else time_col for k in by]
    q = select(*group_cols, *kind_cols, n_col).select_from(src)
    q = q.where(*window_conds(tbl.c.account_id, time_col, window, grain), *where_conds(cols, window))
    if grain == "raw":  # the rollups were counted without test contacts already
        q = q.where(not_test_contact(r.c.account_id, r.c.ticket_id))
    if kinds:
        q = q.where(kind_cols[0].in_(list(kinds)))
    q = q.group_by(*group_cols, *kind_cols)
    for row in conn.execute(q):
        g = group_labels(by, row)
        kind, scale, attribute, score, imp, n = row[len(by) :]
        merged[(g, kind, scale, attribute, int(score), int(imp))] += int(n)


def window_conds(account_col, time_col, w: Window, grain: str) -> list:
    conds = []
    if w.account_ids is not None:
        conds.append(account_col.in_(list(w.account_ids)))
    since, until = w.since, w.until
    if grain.startswith("rollup_month"):
        if since is not None:
            since = month_span(since, since)[0]
        if until is not None:
            until = month_span(until, until)[0]
    if since is not None:
        conds.append(time_col >= since)
    if until is not None:
        conds.append(time_col <= until)
    return conds


# ---- per-ticket KPIs --------------------------------------------------------------------

def kpi_columns() -> dict:
    k = tables.ticket_kpis
    return {
        "account": k.c.account_id,
        "agent": k.c.agent_id,
        "group": k.c.group_name,
        "channel": k.c.channel,
        "category": k.c.category,
    }


def _kpi_group_columns(by: Sequence[str], day_col) -> list:
    """The ticket_kpis columns a --by groups on (a time key: `day_col`)."""
    cols = kpi_columns()
    return [cols[key] if key not in TIME_KEYS else day_col for key in by]


def kpi_value_columns(conn: Connection, *, by: Sequence[str], window: Window) -> dict[tuple, dict[str, np.ndarray]]:
    """Per group (its labels), each KPI's values of the tickets created in the window, as
    float64 arrays, NULL as NaN (flags 0/1): one read, made into one array per group at once
    (a year of a large account is ~10^6 tickets; a dict per ticket cost seconds, a list per
    column most of a second)."""
    check_by(by)
    k = tables.ticket_kpis
    group_cols = _kpi_group_columns(by, k.c.created_day)
    q = select(*group_cols, *[k.c[v] for v in KPI_NAMES]).where(
        *window_conds(k.c.account_id, k.c.created_day, window, "raw"), *where_conds(kpi_columns(), window)
    )
    # the driver's own tuples: SQLAlchemy's Row per ticket cost more than the rest. Its
    # conversions are not needed here: numbers come as numbers, a flag as bool or 0/1, a
    # day as a date or ISO text (group_labels takes both)
    with conn.execute(q) as res:
        result = res.cursor.fetchall() if res.cursor is not None else []
    per: dict[tuple, list] = defaultdict(list)
    if by:
        for row in result:
            per[group_labels(by, row)].append(row)
    elif result:
        per[()] = result
    first = len(by)
    out: dict[tuple, dict[str, np.ndarray]] = {}
    for g, rows in per.items():
        # numpy makes None NaN; the labels before the values are left out first
        values = np.array(rows if not first else [row[first:] for row in rows], dtype=np.float64)
        out[g] = {name: values[:, i] for i, name in enumerate(KPI_NAMES)}
    return out


def kpi_counts(conn: Connection, *, by: Sequence[str], window: Window, day_column: str = "solved_day") -> dict[tuple, int]:
    """Tickets per group whose `day_column` is in the window (solved_day: solved in it),
    counted by the database; groups without any are left out."""
    check_by(by)
    k = tables.ticket_kpis
    day_col = k.c[day_column]
    group_cols = _kpi_group_columns(by, day_col)
    q = select(*group_cols, func.count()).where(
        day_col.is_not(None), *window_conds(k.c.account_id, day_col, window, "raw"),
        *where_conds(kpi_columns(), window)
    )
    if group_cols:
        q = q.group_by(*group_cols)
    out: dict[tuple, int] = defaultdict(int)
    for row in conn.execute(q):
        if row[-1]:
            out[group_labels(by, row)] += int(row[-1])
    return dict(out)


def due_rows(conn: Connection, *, by: Sequence[str], window: Window):
    """(group labels, due_at, solved_at) of the tickets created in the window that carry a
    promise (`due_at`): what overdue_rate and overdue_minutes are computed from. A ticket
    solved at an unknown time (a cancelled order) is left out: its outcome is unknown."""
    check_by(by)
    k = tables.ticket_kpis
    group_cols = _kpi_group_columns(by, k.c.created_day)
    q = select(*group_cols, k.c.due_at, k.c.solved_at).where(
        k.c.due_at.is_not(None), *window_conds(k.c.account_id, k.c.created_day, window, "raw"),
        *where_conds(kpi_columns(), window),
        or_(k.c.solved.is_(False), k.c.solved_at.is_not(None)),  # solved at an unknown time: outcome unknown
    )
    for row in conn.execute(q):
        yield group_labels(by, row), aware_utc(row[-2]), aware_utc(row[-1])


# ---- invitations (response rate) ---------------------------------------------------------


def invitation_counts(conn: Connection, *, by: Sequence[str], window: Window) -> dict[tuple, dict[str, int]]:
    """Invitations sent per group and kind: the response rate's denominator."""
    check_by(by)
    i = tables.invitations
    it = tables.tickets.alias("it")
    cols = {
        "account": i.c.account_id,
        "agent": func.coalesce(it.c.assignee_id, ""),
        "group": func.coalesce(it.c.group_name, ""),
        "channel": func.coalesce(it.c.channel, ""),
        "category": func.coalesce(it.c.category, ""),
    }
    group_cols = [cols[key] if key not in TIME_KEYS else i.c.day for key in by]
    src = i.outerjoin(it, and_(it.c.account_id == i.c.account_id, it.c.source_id == i.c.ticket_id))
    q = (
        select(*group_cols, i.c.kind, func.count())
        .select_from(src)
        .where(*window_conds(i.c.account_id, i.c.day, window, "raw"), *where_conds(cols, window))
        .group_by(*group_cols, i.c.kind)
    )
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in conn.execute(q):
        g = group_labels(by, row)
        out[g][row[-2]] += int(row[-1])
    return out


# ---- satisfaction by KPI bucket ------------------------------------------------------------

FIRST_REPLY_BUCKETS = (("<1 h", 60), ("1–4 h", 240), ("4–24 h", 1440), (">24 h", None))


def bucket_expr(kind: str):
    from sqlalchemy import case

    k = tables.ticket_kpis
    if kind == "first_reply":
        col = k.c.first_reply_minutes
        whens = [(col.is_(None), "no reply")]
        whens += [(col < edge, label) for label, edge in FIRST_REPLY_BUCKETS if edge is not None]
        return case(*whens, else_=FIRST_REPLY_BUCKETS[-1][0])
    col = k.c.reopens if kind == "reopens" else k.c.reassignments
    return case((col == 0, "0"), (col == 1, "1"), else_="2+")


def due_bucket(now: datetime):
    """`on time` (solved by the promise), `late` (solved after it, or open past it), else
    NULL: no promise, or open with the promise still ahead (its outcome is not known)."""
    from sqlalchemy import bindparam, case
    from sqlalchemy.types import DateTime

    k = tables.ticket_kpis
    now_p = bindparam("due_now", naive_utc(now), type_=DateTime)
    return case(
        (k.c.due_at.is_(None), None),
        (and_(k.c.solved_at.is_not(None), k.c.solved_at <= k.c.due_at), "on time"),
        (k.c.solved_at.is_not(None), "late"),
        (k.c.solved.is_(True), None),  # solved at an unknown time: outcome unknown
        (k.c.due_at < now_p, "late"),
        else_=None,
    )


def csat_by_kpi_bucket(
    conn: Connection, *, bucket: str, by: Sequence[str], window: Window, now: datetime | None = None,
    kind: str = "csat",
):
    """CSAT response counts per group and KPI bucket (first_reply, reopens, reassignments,
    due: on time / late against the ticket's promise, judged at `now` for open tickets);
    `kind` nps or ces: those answers' counts, for the Drivers page's NPS and CES."""
    check_by(by)
    k = tables.ticket_kpis
    cols = {
        "account": r.c.account_id,
        "agent": func.coalesce(func.nullif(r.c.agent_id, ""), k.c.agent_id),
        "group": k.c.group_name,
        "channel": func.coalesce(func.nullif(r.c.channel, ""), k.c.channel),
        "category": k.c.category,
    }
    group_cols = [cols[key] if key not in TIME_KEYS else r.c.day for key in by]
    if bucket == "due":
        b = due_bucket(now or datetime.now(UTC))
    else:
        b = bucket_expr(bucket)
    src = r.join(k, and_(k.c.account_id == r.c.account_id, k.c.ticket_id == r.c.ticket_id))
    q = (
        select(*group_cols, b, r.c.scale, r.c.score, func.count())
        .select_from(src)
        .where(r.c.kind == kind, *window_conds(r.c.account_id, r.c.day, window, "raw"),
               *where_conds(cols, window), not_test_contact(r.c.account_id, r.c.ticket_id))
        .group_by(*group_cols, b, r.c.scale, r.c.score)
    )
    if bucket == "due":
        q = q.where(k.c.due_at.is_not(None))
    out: dict[tuple, dict[str, dict[str, dict[int, int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    for row in conn.execute(q):
        g = group_labels(by, row)
        label, scale, score, n = row[len(by) :]
        if label is None:
            continue  # csat_by_due: open with the promise still ahead
        out[g][label][scale][int(score)] += int(n)
    return out


def reason_counts(conn: Connection, *, window: Window, low) -> list[tuple[str, str, int]]:
    """(kind, reason, answers) of the answers in the window that gave a reason and that
    `low` (a condition over the responses alias `r`) calls low; test contacts left out."""
    tk = tables.tickets
    src = r.outerjoin(tk, and_(tk.c.account_id == r.c.account_id, tk.c.source_id == r.c.ticket_id))
    q = (
        select(r.c.kind, r.c.reason, func.count())
        .select_from(src)
        .where(r.c.reason != "", low, *window_conds(r.c.account_id, r.c.day, window, "raw"),
               *where_conds(response_columns(tk), window), not_test_contact(r.c.account_id, r.c.ticket_id))
        .group_by(r.c.kind, r.c.reason)
    )
    return [(kind, reason, int(n)) for kind, reason, n in conn.execute(q)]


# ---- low-rating drill-down ------------------------------------------------------------------


def response_columns(tk) -> dict:
    """A response's dimensions as the rollups count them (the response's own agent and
    channel first, else its ticket's), over responses joined to tickets `tk`."""
    return {
        "agent": func.coalesce(func.nullif(r.c.agent_id, ""), tk.c.assignee_id),
        "group": tk.c.group_name,
        "channel": func.coalesce(func.nullif(r.c.channel, ""), tk.c.channel),
        "category": tk.c.category,
    }



def rated_texts(conn: Connection, *, window: Window, limit_low: int = 20):
    """CSAT-rated tickets in the window: (satisfied?, texts) for each, and the lowest-rated ones."""
    tk = tables.tickets
    e = tables.ticket_events
    src = r.join(tk, and_(tk.c.account_id == r.c.account_id, tk.c.source_id == r.c.ticket_id))
    q = (
        select(
            r.c.account_id, r.c.ticket_id, r.c.scale, r.c.score, r.c.comment, r.c.reason, r.c.given_at,
            tk.c.subject, tk.c.description, tk.c.assignee_id, tk.c.channel,
        )
        .select_from(src)
        .where(r.c.kind == "csat", *window_conds(r.c.account_id, r.c.day, window, "raw"),
               *where_conds(response_columns(tk), window), not_test_contact(r.c.account_id, r.c.ticket_id))
    )
    rated = conn.execute(q).all()
    customer_text: dict[tuple[int, str], list[str]] = defaultdict(list)
    keys = sorted({(row.account_id, row.ticket_id) for row in rated})
    by_account: dict[int, list[str]] = defaultdict(list)
    for aid, tid in keys:
        by_account[aid].append(tid)
    for aid, tids in by_account.items():
        for i in range(0, len(tids), 2000):
            eq = select(e.c.ticket_id, e.c.body).where(
                e.c.account_id == aid,
                e.c.ticket_id.in_(tids[i : i + 2000]),
                e.c.kind == "comment",
                e.c.author_role == "customer",
            )
            for tid, body in conn.execute(eq):
                if body:
                    customer_text[(aid, tid)].append(body)
    return rated, customer_text


def ticket_comments(conn: Connection, account_id: int, ticket_id: str) -> list[dict]:
    """Every response of one ticket, oldest first: kind, scale, score, given_at (naive UTC),
    comment, reason, and the ticket's subject (None when the ticket is not stored)."""
    r, tk = tables.responses, tables.tickets
    rows = conn.execute(
        select(r.c.kind, r.c.scale, r.c.score, r.c.given_at, r.c.comment, r.c.reason)
        .where(r.c.account_id == account_id, r.c.ticket_id == ticket_id)
        .order_by(r.c.given_at, r.c.id)
    ).all()
    subject = conn.execute(select(tk.c.subject).where(tk.c.account_id == account_id, tk.c.source_id == ticket_id)).scalar()
    return [{**row._asdict(), "subject": subject} for row in rows]


# ---- labels and periods -----------------------------------------------------------------


def dimension_values(conn: Connection, window: Window) -> dict[str, list[str]]:
    """The agents, groups, channels and categories of the tickets created in the window and
    of the answers given in it: what a page's filters offer. Read from ticket_kpis and the
    rollups (a month grain counts its whole months: a value may show a little early).

    Each table is read once: on PostgreSQL the window's tickets in one pass with a grouping
    set per key (four DISTINCTs read a year of tickets four times), the day rollup's
    channels and groups together."""
    k = tables.ticket_kpis
    found: dict[str, set[str]] = {key: set() for key in FILTER_KEYS}
    kcols = kpi_columns()
    kconds = window_conds(k.c.account_id, k.c.created_day, window, "raw")
    if conn.dialect.name == "postgresql":
        cols = [kcols[key] for key in FILTER_KEYS]  # NOT NULL columns: NULL is "not this set"
        for row in conn.execute(select(*cols).where(*kconds).group_by(func.grouping_sets(*cols))):
            for key, v in zip(FILTER_KEYS, row):
                if v:
                    found[key].add(v)
    else:
        for key in FILTER_KEYS:
            q = select(kcols[key]).distinct().where(*kconds)
            found[key].update(v for (v,) in conn.execute(q) if v)
    for name, keys in (("rollup_day", ("channel", "group")), ("rollup_month_agent", ("agent",)),
                       ("rollup_month_category", ("category",))):
        tbl = getattr(tables, name)
        cols = {"channel": tbl.c.get("channel"), "group": tbl.c.get("group_name"), "agent": tbl.c.get("agent_id"),
                "category": tbl.c.get("category")}
        picked = [cols[key] for key in keys]
        q = select(*picked).where(*window_conds(tbl.c.account_id, time_column(tbl), window, name)).group_by(*picked)
        for row in conn.execute(q):
            for key, v in zip(keys, row):
                if v:
                    found[key].add(v)
    return {key: sorted(values, key=str.casefold) for key, values in found.items()}


def agent_names(conn: Connection) -> dict[str, str]:
    """Agent id → name, of every account's agents (as the help desk sent its users)."""
    u = tables.users.c
    return {sid: name for sid, name in conn.execute(select(u.source_id, u.name).where(u.role == "agent"))}


def user_names(conn: Connection, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """(account id, user id) → name, for these users of these accounts (those with a name):
    an id is the help desk's, so it names a person only within its own account."""
    u = tables.users.c
    by_account: dict[int, set[str]] = defaultdict(set)
    for account_id, sid in keys:
        by_account[account_id].add(sid)
    out: dict[tuple[int, str], str] = {}
    for account_id, ids in by_account.items():
        wanted = sorted(ids)
        for i in range(0, len(wanted), 2000):
            q = select(u.source_id, u.name).where(u.account_id == account_id, u.source_id.in_(wanted[i : i + 2000]),
                                                  u.name != "")
            out.update(((account_id, sid), name) for sid, name in conn.execute(q))
    return out


def latest_response_day(conn: Connection, account_ids: Sequence[int] | None = None, *,
                        reviews: bool = False) -> date | None:
    """The last day with a survey response (`reviews`: a public review) in these accounts
    (None: in any), or None when there is none. Reviews and surveys keep apart: reviews
    imported up to today never move the period a survey figure is compared over."""
    r = tables.responses.c
    q = select(func.max(r.day)).where(r.kind == "review" if reviews else r.kind != "review")
    if account_ids is not None:
        q = q.where(tables.responses.c.account_id.in_(account_ids))
    latest = conn.execute(q).scalar()
    return None if latest is None else _as_date(latest)


def data_span(conn: Connection, window: Window, sources: Sequence[str]) -> tuple[date | None, date | None]:
    """The first and last local day with data in the window, over `sources`: "surveys"
    (survey responses), "reviews" (public reviews), "tickets" (created or solved),
    "qa" (quality reviews), "employee" (employee survey rounds). (None, None) when none —
    what a report without --since/--until actually covered. The window's `where` narrows
    the survey responses and the tickets as the report narrows them."""
    rc, k = r.c, tables.ticket_kpis.c
    spans = []  # (from, account column, day column, further conditions)
    if "surveys" in sources:
        spans.append((responses_with_tickets, rc.account_id, rc.day,
                      [rc.kind != "review", *where_conds(response_columns(t), window)]))
    if "reviews" in sources:
        spans.append((tables.responses, rc.account_id, rc.day, [rc.kind == "review"]))
    if "tickets" in sources:
        for day in (k.created_day, k.solved_day):
            spans.append((tables.ticket_kpis, k.account_id, day, where_conds(kpi_columns(), window)))
    if "qa" in sources:
        q = tables.qa_reviews
        spans.append((q, q.c.account_id, q.c.day, []))
    if "employee" in sources:
        ea = tables.employee_answers
        spans.append((ea, ea.c.account_id, ea.c.day, []))
    first: date | None = None
    last: date | None = None
    for src, account_col, day_col, conds in spans:
        q = select(func.min(day_col), func.max(day_col)).select_from(src).where(
            day_col.is_not(None), *window_conds(account_col, day_col, window, "raw"), *conds)
        lo, hi = conn.execute(q).one()
        if lo is not None:
            lo, hi = _as_date(lo), _as_date(hi)
            first = lo if first is None else min(first, lo)
            last = hi if last is None else max(last, hi)
    return first, last


# ---- SLA targets (issue 16) ------------------------------------------------------------------


def sla_target_rows(conn: Connection, *, by: Sequence[str], window: Window):
    """(group labels, kind, status, deadline) of each SLA target of the tickets created in the
    window (a ticket's targets count in the period it was created, like its KPIs); the
    caller judges a running target against the clock (past its deadline: breached)."""
    check_by(by)
    k, s = tables.ticket_kpis, tables.ticket_sla
    group_cols = _kpi_group_columns(by, k.c.created_day)
    src = s.join(k, and_(k.c.account_id == s.c.account_id, k.c.ticket_id == s.c.ticket_id))
    q = select(*group_cols, s.c.kind, s.c.status, s.c.deadline).select_from(src).where(
        *window_conds(k.c.account_id, k.c.created_day, window, "raw"), *where_conds(kpi_columns(), window)
    )
    for row in conn.execute(q):
        yield group_labels(by, row), row[-3], row[-2], aware_utc(row[-1])


def csat_by_sla(conn: Connection, *, by: Sequence[str], window: Window, now: datetime):
    """CSAT response counts per group and SLA bucket: `met` (every target of the ticket met),
    `breached` (one or more breached, a running one past its deadline at `now` included).
    A ticket with a target still running and no breach yet is left out: its outcome is not known."""
    from sqlalchemy import bindparam
    from sqlalchemy.types import DateTime

    check_by(by)
    k, s = tables.ticket_kpis, tables.ticket_sla
    now_p = bindparam("sla_now", naive_utc(now), type_=DateTime)
    late = or_(s.c.status == "breached", and_(s.c.status == "running", s.c.deadline <= now_p))
    running = and_(s.c.status == "running", or_(s.c.deadline.is_(None), s.c.deadline > now_p))
    per = (
        select(s.c.account_id, s.c.ticket_id, func.max(case((late, 1), else_=0)).label("late"),
               func.max(case((running, 1), else_=0)).label("running"))
        .group_by(s.c.account_id, s.c.ticket_id).subquery("per_ticket_sla")
    )
    label = case((per.c.late == 1, "breached"), (per.c.running == 1, None), else_="met")
    cols = {
        "account": r.c.account_id,
        "agent": func.coalesce(func.nullif(r.c.agent_id, ""), k.c.agent_id),
        "group": k.c.group_name,
        "channel": func.coalesce(func.nullif(r.c.channel, ""), k.c.channel),
        "category": k.c.category,
    }
    group_cols = [cols[key] if key not in TIME_KEYS else r.c.day for key in by]
    src = r.join(k, and_(k.c.account_id == r.c.account_id, k.c.ticket_id == r.c.ticket_id)).join(
        per, and_(per.c.account_id == r.c.account_id, per.c.ticket_id == r.c.ticket_id))
    q = (
        select(*group_cols, label, r.c.scale, r.c.score, func.count())
        .select_from(src)
        .where(r.c.kind == "csat", *window_conds(r.c.account_id, r.c.day, window, "raw"),
               *where_conds(cols, window))
        .group_by(*group_cols, label, r.c.scale, r.c.score)
    )
    out: dict[tuple, dict[str, dict[str, dict[int, int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    )
    for row in conn.execute(q):
        g = group_labels(by, row)
        bucket, scale, score, n = row[len(by) :]
        if bucket is not None:
            out[g][bucket][scale][int(score)] += int(n)
    return out
