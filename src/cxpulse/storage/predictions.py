"""Prediction storage: versioned models with their cards, the current prediction per
ticket, the alert log, and the reads training and scoring need.

All three tables are derived (DESIGN.md): `cxpulse train` and `cxpulse score` make them
again from the stored events and ratings. The functions take a Connection so a use case
can put several in one transaction (read the previous scores, write the new ones and the
alerts they cause, atomically).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Connection, String, and_, delete, func, or_, select, type_coerce

from cxpulse.domain import OPEN_STATES
from cxpulse.storage import tables
from cxpulse.storage.mystery import not_test_contact
from cxpulse.storage.rows import aware_utc, naive_utc
from cxpulse.storage.locks import lock_account
from cxpulse.storage.store import insert_many
from cxpulse.storage.tickets import CURRENT_STATUS, with_kpis

CHUNK = 2000
_MANY = 5 * CHUNK  # ids from which a whole-account pass beats IN lists of CHUNK ids

# ---- models ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredModel:
    """One trained model: `account_id` None is the pooled model trained across accounts."""

    id: int
    account_id: int | None
    scope: str  # "account" | "pooled-shifted" | "pooled"
    version: int
    learner: str
    created_at: datetime  # aware UTC
    card: dict
    blob: bytes | None  # None when read without it (listing cards)


def _owner(column, account_id: int | None):
    return column.is_(None) if account_id is None else column == account_id


def next_model_version(conn: Connection, account_id: int | None) -> int:
    """1 for the first model of an account (or of the pooled sequence), then one more each time."""
    m = tables.models
    top = conn.execute(select(func.max(m.c.version)).where(_owner(m.c.account_id, account_id))).scalar()
    return int(top or 0) + 1


def insert_model(
    conn: Connection,
    *,
    account_id: int | None,
    scope: str,
    version: int,
    learner: str,
    created_at: datetime,
    card: dict,
    blob: bytes,
) -> None:
    conn.execute(
        tables.models.insert().values(
            account_id=account_id,
            scope=scope,
            version=version,
            learner=learner,
            created_at=naive_utc(created_at),
            card=json.dumps(card, ensure_ascii=False, allow_nan=False, default=_json_default),
            blob=blob,
        )
    )


def latest_model(conn: Connection, account_id: int | None, *, with_blob: bool = True) -> StoredModel | None:
    """The newest version of this account's model (None: the pooled one), or None if never trained."""
    m = tables.models
    cols = [m.c.id, m.c.account_id, m.c.scope, m.c.version, m.c.learner, m.c.created_at, m.c.card]
    if with_blob:
        cols.append(m.c.blob)
    q = select(*cols).where(_owner(m.c.account_id, account_id))
    row = conn.execute(q.order_by(m.c.version.desc()).limit(1)).first()
    if row is None:
        return None
    blob = bytes(row[7]) if with_blob and row[7] is not None else None
    return StoredModel(row.id, row.account_id, row.scope, row.version, row.learner,
                       aware_utc(row.created_at), json.loads(row.card), blob)


def _json_default(v):
    """Card values numpy may have produced (np.float64, np.int64) or tuples."""
    if hasattr(v, "item"):
        return v.item()
    if isinstance(v, tuple | set):
        return list(v)
    raise TypeError(f"cannot store {type(v).__name__} in a model card")


# ---- what training and scoring read ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rating:
    """A CSAT answer with the agent and customer it counts for (response's own, else the ticket's)."""

    ticket_id: str
    given_at: datetime  # aware UTC
    scale: str
    score: int
    agent_id: str
    customer_id: str


def csat_ratings(
    conn: Connection,
    account_id: int,
    *,
    before: datetime | None = None,
    since: datetime | None = None,
    customers: Collection[str] | None = None,
) -> list[Rating]:
    """Every CSAT answer of the account, oldest first, attributed as the CSAT reports do;
    none of a mystery shopper's test contact (storage/mystery.py): the customer was not real.

    `before`: only those given before it. `since`: only those given since it — and also,
    when `customers` are named, the older ones of these customers: what the context of a
    few tickets scored as of `before` reads (`RatingHistory`: the agent's and the
    account's window, the customer's whole past), not every rating of the account.
    """
    r, t = tables.responses, tables.tickets
    src = r.outerjoin(t, and_(t.c.account_id == r.c.account_id, t.c.source_id == r.c.ticket_id))
    customer = func.coalesce(func.nullif(r.c.customer_id, ""), t.c.requester_id, "")
    q = (
        select(
            r.c.ticket_id,
            # as stored (SQLite: naive UTC text), parsed by `aware_utc`: SQLAlchemy's DateTime
            # result processor (a regex per value) was a third of reading 20,000 ratings
            type_coerce(r.c.given_at, String),
            r.c.scale,
            r.c.score,
            func.coalesce(func.nullif(r.c.agent_id, ""), t.c.assignee_id, ""),
            customer,
        )
        .select_from(src)
        .where(r.c.account_id == account_id, r.c.kind == "csat", not_test_contact(r.c.account_id, r.c.ticket_id))
        .order_by(r.c.given_at, r.c.source_id)
    )
    if before is not None:
        q = q.where(r.c.given_at < naive_utc(before))
    if since is not None:
        recent = r.c.given_at >= naive_utc(since)
        named = sorted(set(customers or ()) - {""})
        q = q.where(or_(recent, customer.in_(named)) if named else recent)
    return [Rating(tid, aware_utc(at), scale, int(score), agent, customer)
            for tid, at, scale, score, agent, customer in conn.execute(q)]


def open_ticket_ids(conn: Connection, account_id: int, ids: Collection[str] | None = None) -> list[str]:
    """Tickets open now (storage/tickets.py CURRENT_STATUS: the KPI fold's status at the end,
    else the help desk's own). Restricted to `ids` when given."""
    t = tables.tickets
    q = select(t.c.source_id).select_from(with_kpis(t)).where(
        t.c.account_id == account_id, CURRENT_STATUS.in_(sorted(OPEN_STATES))
    )
    if ids is None:
        if conn.dialect.name == "sqlite":
            # one row, the ids as a JSON array: SQLite makes it in one step, with the GIL
            # released all along (a row at a time takes it back 100,000 times), so a caller
            # can read them in a thread while it does other work (`service.predict.score`)
            (listed,) = conn.execute(select(func.json_group_array(q.subquery().c.source_id))).one()
            return sorted(json.loads(listed))
        return sorted(sid for (sid,) in conn.execute(q).fetchall())
    ids = sorted(ids)
    out: list[str] = []
    for i in range(0, len(ids), CHUNK):
        out += [sid for (sid,) in conn.execute(q.where(t.c.source_id.in_(ids[i : i + CHUNK])))]
    return sorted(out)


def people_names(
    conn: Connection, account_id: int, customer_ids: Collection[str] | None
) -> tuple[list[str], dict[str, str]]:
    """The names of the account's agents, and of these customers by id (every user's when
    None): what reasons never quote."""
    u = tables.users.c
    q = select(u.name).where(u.account_id == account_id, u.name != "")
    agents = [name for (name,) in conn.execute(q.where(u.role == "agent"))]
    q = select(u.source_id, u.name).where(u.account_id == account_id, u.name != "")
    if customer_ids is None:
        return agents, {sid: name for sid, name in conn.execute(q)}
    ids = sorted(set(customer_ids) - {""})
    customers: dict[str, str] = {}
    for i in range(0, len(ids), CHUNK):
        customers.update((sid, name) for sid, name in conn.execute(q.where(u.source_id.in_(ids[i : i + CHUNK]))))
    return agents, customers


def accounts_with_ticket(conn: Connection, source_id: str) -> list[tuple[int, str]]:
    """(account id, account name) of every account holding a ticket with this source id."""
    t, a = tables.tickets, tables.accounts
    q = (
        select(a.c.id, a.c.name)
        .select_from(t.join(a, a.c.id == t.c.account_id))
        .where(t.c.source_id == source_id)
        .order_by(a.c.name)
    )
    return [(aid, name) for aid, name in conn.execute(q)]


# ---- predictions and alerts ----------------------------------------------------------------


def stored_scores(conn: Connection, account_id: int, ids: Collection[str]) -> dict[str, int]:
    """The current stored score of these tickets (those that have one)."""
    p = tables.predictions
    ids = sorted(ids)
    out: dict[str, int] = {}
    q = select(p.c.ticket_id, p.c.score).where(p.c.account_id == account_id)
    if len(ids) > _MANY:  # most of an account's tickets: one pass over its predictions, not an IN list per chunk
        wanted = set(ids)
        return {tid: int(score) for tid, score in conn.execute(q).fetchall() if tid in wanted}
    if conn.dialect.name == "sqlite":
        # the driver's own cursor, the IN list written out as `?`s: a statement compiled per
        # chunk and a row object per score were most of reading a batch's old scores
        driver = conn.connection.driver_connection
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            sql = ("SELECT ticket_id, score FROM predictions WHERE account_id = ? AND ticket_id IN "
                   f"({','.join('?' * len(chunk))})")
            out.update((tid, int(score)) for tid, score in driver.execute(sql, (account_id, *chunk)))
        return out
    for i in range(0, len(ids), CHUNK):
        out.update((tid, int(score)) for tid, score in conn.execute(q.where(p.c.ticket_id.in_(ids[i : i + CHUNK]))))
    return out


def crossed_below(previous: int | None, score: int, threshold: int) -> bool:
    """An alert is due when a score goes below the threshold from at or above it (or from
    no score at all); staying below raises none, and a later new crossing raises another.

    >>> [crossed_below(p, s, 40) for p, s in [(None, 30), (50, 39), (39, 20), (30, 45), (45, 40)]]
    [True, True, False, False, False]
    """
    return score < threshold and (previous is None or previous >= threshold)


_PREDICTION_KEYS = ("account_id", "ticket_id", "as_of", "scored_at", "score", "probability", "reasons", "model_version")
_ALERT_KEYS = ("account_id", "ticket_id", "at", "score", "threshold", "model_version", "reasons")


def record_predictions(
    conn: Connection,
    account_id: int,
    rows: Sequence[dict],
    *,
    threshold: int,
    alert_on: Collection[str] = (),
    scored_at: datetime | None = None,
) -> list[dict]:
    """Store these predictions as the tickets' current ones; log an alert for each ticket in
    `alert_on` whose score crossed below `threshold`. Returns the alerts logged.

    A row: ticket_id, as_of, scored_at, score, probability, reasons (list of str),
    model_version. `scored_at`, when given, is every row's (a batch scored at once: no
    copy of 100,000 rows to add the key).
    """
    if not rows:
        return []
    lock_account(conn, account_id)  # PostgreSQL: a delete and insert; another scorer of the account waits
    alert_on = set(alert_on)
    # only a score below the threshold can cross it: the others' old scores are not read
    previous = stored_scores(conn, account_id, [r["ticket_id"] for r in rows
                                                if r["score"] < threshold and r["ticket_id"] in alert_on])
    new_alerts = [
        {
            "ticket_id": r["ticket_id"],
            "at": r["scored_at"] if scored_at is None else scored_at,
            "score": r["score"],
            "threshold": threshold,
            "model_version": r["model_version"],
            "reasons": list(r["reasons"]),
        }
        for r in rows
        if r["ticket_id"] in alert_on and crossed_below(previous.get(r["ticket_id"]), r["score"], threshold)
    ]
    # value tuples through `insert_many` (the driver's executemany on SQLite): SQLAlchemy's
    # per-row parameter handling was half the time of storing 100,000 scores
    times: dict[datetime, datetime] = {}  # a batch shares one or two times: converted once

    def naive(at: datetime) -> datetime:
        v = times.get(at)
        if v is None:
            v = times[at] = naive_utc(at)
        return v

    def dumps(reasons, ensure_ascii=False) -> str:  # orjson: the same JSON list, 5× faster than json.dumps
        return orjson.dumps(reasons).decode()

    at = None if scored_at is None else naive(scored_at)
    to_json = orjson.dumps
    values = [
        (account_id, r["ticket_id"], naive(r["as_of"]), naive(r["scored_at"]) if at is None else at, int(r["score"]),
         float(r["probability"]), to_json(list(r["reasons"])).decode(), int(r["model_version"]))
        for r in rows
    ]
    if conn.dialect.name == "sqlite":  # each new row rewrites its old one in place: no delete pass first
        insert_many(conn, tables.predictions, _PREDICTION_KEYS, values, update_on=("account_id", "ticket_id"))
    else:
        delete_predictions(conn, account_id, [r["ticket_id"] for r in rows])
        insert_many(conn, tables.predictions, _PREDICTION_KEYS, values)
    if new_alerts:
        insert_many(conn, tables.alerts, _ALERT_KEYS, [
            (account_id, a["ticket_id"], naive(a["at"]), a["score"], a["threshold"], a["model_version"],
             dumps(a["reasons"], ensure_ascii=False))
            for a in new_alerts
        ])
    return new_alerts


def delete_predictions(conn: Connection, account_id: int, ids: Iterable[str] | None = None) -> None:
    """Drop the stored predictions of these tickets (all of the account's when ids is None)."""
    p = tables.predictions
    if ids is None:
        conn.execute(delete(p).where(p.c.account_id == account_id))
        return
    ids = sorted(set(ids))
    if conn.dialect.name == "sqlite" and len(ids) > _MANY:  # one prepared statement, by primary key, per row
        conn.exec_driver_sql("DELETE FROM predictions WHERE account_id = ? AND ticket_id = ?",
                             [(account_id, tid) for tid in ids])
        return
    for i in range(0, len(ids), CHUNK):
        conn.execute(delete(p).where(p.c.account_id == account_id, p.c.ticket_id.in_(ids[i : i + CHUNK])))


def read_predictions(conn: Connection, account_id: int, ids: Collection[str] | None = None) -> list[dict]:
    """Stored predictions, lowest score first: the tickets most at risk on top."""
    p = tables.predictions
    q = select(p).where(p.c.account_id == account_id)
    if ids is not None:
        q = q.where(p.c.ticket_id.in_(sorted(ids)))
    return [_prediction(row) for row in conn.execute(q.order_by(p.c.score, p.c.ticket_id))]


def _prediction(row) -> dict:
    return {
        "ticket_id": row.ticket_id,
        "as_of": aware_utc(row.as_of),
        "scored_at": aware_utc(row.scored_at),
        "score": row.score,
        "probability": row.probability,
        "reasons": json.loads(row.reasons),
        "model_version": row.model_version,
    }


def read_alerts(conn: Connection, account_ids: Sequence[int] | None = None) -> list[dict]:
    """The alert log, newest first, with each alert's account name."""
    al, a = tables.alerts, tables.accounts
    q = select(al, a.c.name).select_from(al.join(a, a.c.id == al.c.account_id))
    if account_ids is not None:
        q = q.where(al.c.account_id.in_(list(account_ids)))
    q = q.order_by(al.c.at.desc(), al.c.id.desc())
    return [
        {
            "id": row.id,
            "account": row.name,
            "ticket_id": row.ticket_id,
            "at": aware_utc(row.at),
            "score": row.score,
            "threshold": row.threshold,
            "model_version": row.model_version,
            "reasons": json.loads(row.reasons),
        }
        for row in conn.execute(q)
    ]


def alert_page(
    conn: Connection, account_id: int, *, limit: int = 100, after: tuple[datetime, int] | None = None,
) -> tuple[list[dict], tuple[datetime, int] | None]:
    """One account's alerts, newest first, a page at a time; the key of the next page is
    (at, id) of the last alert (None at the end)."""
    al = tables.alerts
    q = select(al).where(al.c.account_id == account_id)
    if after is not None:
        at, aid = naive_utc(after[0]), after[1]
        q = q.where(or_(al.c.at < at, and_(al.c.at == at, al.c.id < aid)))
    rows = conn.execute(q.order_by(al.c.at.desc(), al.c.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [
        {"id": r.id, "ticket_id": r.ticket_id, "at": aware_utc(r.at), "score": r.score, "threshold": r.threshold,
         "model_version": r.model_version, "reasons": json.loads(r.reasons)}
        for r in rows
    ]
    return out, ((aware_utc(rows[-1].at), rows[-1].id) if more and rows else None)


def model_cards(conn: Connection, account_id: int) -> list[dict]:
    """Every model stored for the account, newest first, with its card (never the model itself)."""
    m = tables.models
    q = (
        select(m.c.version, m.c.scope, m.c.learner, m.c.created_at, m.c.card)
        .where(m.c.account_id == account_id).order_by(m.c.version.desc())
    )
    return [
        {"version": r.version, "scope": r.scope, "learner": r.learner, "created_at": aware_utc(r.created_at),
         "card": json.loads(r.card)}
        for r in conn.execute(q).all()
    ]
