"""QA rollups: the sums and counts the IQS reports add up, per month, rebuilt from the reviews.

A report over a million reviews (eight million criterion rows) would read them all; these
tables hold per account × month × agent × mystery flag the reviews' n, Σ IQS and Σ IQS²,
and per account × month (× agent) × mystery × criterion × score the rated criteria — a
few thousand rows. A query is answered from them when they hold its grain exactly: --by
from account, agent and month (criterion on top), and a window of whole months
(`answers`); anything else reads the reviews (storage/qa.py).

Like storage/rollups.py they are recounted, never adjusted: a write recounts the months
it touched (`refresh_qa_rollups` with a day span), `cxpulse rebuild` the whole account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, delete, func, literal, select

from cxpulse.storage import tables
from cxpulse.storage.queries import Window, _month_aligned
from cxpulse.storage.rollups import month_of, month_span

R, RS = tables.qa_reviews, tables.qa_review_scores
AGENT, CRIT_MONTH, CRIT_AGENT = (tables.qa_rollup_month_agent, tables.qa_rollup_criterion_month,
                                 tables.qa_rollup_criterion_agent)
COVERS = {"account", "agent", "month"}  # the --by keys (besides criterion) the rollups hold


def refresh_qa_rollups(
    conn: Connection, account_id: int, *, first_day: date | None = None, last_day: date | None = None
) -> None:
    """Recount one account's QA rollups, for its whole history or the months of the days given."""
    dialect = conn.dialect.name
    month = month_of(R.c.day, dialect)
    cond = [R.c.account_id == account_id]
    if first_day is not None and last_day is not None:
        first_day, last_day = month_span(first_day, last_day)
        cond += [R.c.day >= first_day, R.c.day <= last_day]
    for table in tables.QA_ROLLUPS:
        d = delete(table).where(table.c.account_id == account_id)
        if first_day is not None and last_day is not None:
            d = d.where(table.c.month >= first_day, table.c.month <= last_day)
        conn.execute(d)
    head = [literal(account_id), month, R.c.agent_id, R.c.mystery]
    q = (select(*head, func.count(), func.sum(R.c.score), func.sum(R.c.score * R.c.score))
         .where(*cond, R.c.score.is_not(None)).group_by(*head[1:]))
    conn.execute(AGENT.insert().from_select([c.name for c in AGENT.columns], q))
    for table, dims in ((CRIT_MONTH, [month]), (CRIT_AGENT, [month, R.c.agent_id])):
        cols = [literal(account_id), *dims, R.c.mystery, R.c.scorecard_id, RS.c.criterion, RS.c.score]
        q = (select(*cols, func.count()).select_from(R.join(RS, RS.c.review_id == R.c.id))
             .where(*cond, RS.c.score.is_not(None)).group_by(*cols[1:]))
        conn.execute(table.insert().from_select([c.name for c in table.columns], q))


def answers(by: Sequence[str], window: Window) -> bool:
    """Whether the rollups hold exactly this query's grain (`by` without criterion)."""
    return set(by) <= COVERS and _month_aligned(window)


def _conds(table, window: Window, mystery: str) -> list:
    return window_conds(table, table.c.month, window, mystery)


def window_conds(table, when, window: Window, mystery: str) -> list:
    """The window's accounts and days (on `when`: the table's day or month column) and the
    `--mystery` choice, for any QA table with `account_id` and `mystery` columns."""
    conds = []
    if window.account_ids is not None:
        conds.append(table.c.account_id.in_(list(window.account_ids)))
    if window.since is not None:
        conds.append(when >= window.since)
    if window.until is not None:
        conds.append(when <= window.until)
    if mystery == "exclude":
        conds.append(table.c.mystery.is_(False))
    elif mystery == "only":
        conds.append(table.c.mystery.is_(True))
    return conds


def _columns(table, by: Sequence[str]) -> list:
    names = {"account": "account_id", "agent": "agent_id", "month": "month"}
    return [table.c[names[k]] for k in by]


def iqs_sums_query(by: Sequence[str], window: Window, mystery: str):
    """(by columns…, Σ IQS, Σ IQS², n) per group, from the rollup."""
    g = _columns(AGENT, by)
    return (select(*g, func.sum(AGENT.c.total), func.sum(AGENT.c.total_sq), func.sum(AGENT.c.n))
            .where(*_conds(AGENT, window, mystery)).group_by(*g))


def criterion_counts_query(by: Sequence[str], window: Window, mystery: str):
    """(by columns…, scorecard row, criterion, score, n) per group, from the coarsest rollup that has `by`."""
    table = CRIT_AGENT if "agent" in by else CRIT_MONTH
    g = _columns(table, by)
    return (select(*g, table.c.scorecard_id, table.c.criterion, table.c.score, func.sum(table.c.n))
            .where(*_conds(table, window, mystery))
            .group_by(*g, table.c.scorecard_id, table.c.criterion, table.c.score))


def _agent_key(row: dict) -> tuple:
    return (row["day"].replace(day=1), row["agent_id"], bool(row["mystery"]))


def add_reviews(conn: Connection, account_id: int, added: Sequence[tuple[dict, Sequence[dict]]],
                removed: Sequence[tuple[dict, Sequence[dict]]] = ()) -> None:
    """Count these reviews in (and `removed` out of) the account's QA rollups — a few rows
    changed instead of whole months recounted, what a write of a few reviews needs. A review
    is its row (day, agent_id, mystery, scorecard_id, score) and its criterion rows."""
    agent: dict[tuple, list] = {}
    crit_month: dict[tuple, int] = {}
    crit_agent: dict[tuple, int] = {}
    for sign, reviews in ((1, added), (-1, removed)):
        for row, scores in reviews:
            month, agent_id, mystery = _agent_key(row)
            if row["score"] is not None:
                d = agent.setdefault((month, agent_id, mystery), [0, 0.0, 0.0])
                d[0] += sign
                d[1] += sign * row["score"]
                d[2] += sign * row["score"] * row["score"]
            for s in scores:
                if s["score"] is None:
                    continue
                tail = (mystery, row["scorecard_id"], s["criterion"], s["score"])
                crit_month[(month, *tail)] = crit_month.get((month, *tail), 0) + sign
                crit_agent[(month, agent_id, *tail)] = crit_agent.get((month, agent_id, *tail), 0) + sign
    _apply(conn, AGENT, account_id, ("month", "agent_id", "mystery"), {k: tuple(v) for k, v in agent.items()},
           ("n", "total", "total_sq"))
    crit = ("mystery", "scorecard_id", "criterion", "score")
    _apply(conn, CRIT_MONTH, account_id, ("month", *crit), {k: (n,) for k, n in crit_month.items()}, ("n",))
    _apply(conn, CRIT_AGENT, account_id, ("month", "agent_id", *crit), {k: (n,) for k, n in crit_agent.items()},
           ("n",))


def _apply(conn: Connection, table, account_id: int, keys: tuple[str, ...], deltas: dict[tuple, tuple],
           values: tuple[str, ...]) -> None:
    """Add each delta to its row (made when missing); a row whose count falls to 0 goes, as a recount would leave it."""
    for key, delta in deltas.items():
        if delta[0] == 0 and not any(delta[1:]):
            continue
        where = [table.c.account_id == account_id, *[table.c[k] == v for k, v in zip(keys, key)]]
        done = conn.execute(table.update().where(*where).values(
            {v: table.c[v] + d for v, d in zip(values, delta)})).rowcount
        if not done:
            conn.execute(table.insert().values(account_id=account_id, **dict(zip(keys, key)), **dict(zip(values, delta))))
        elif delta[0] < 0:
            conn.execute(table.delete().where(*where, table.c.n <= 0))
