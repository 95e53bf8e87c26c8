"""Quality reviews as stored: scorecard versions, reviews with one row per criterion, the
review queue, disputes — and the one clause that keeps a mystery shopper's test contact
out of every satisfaction figure (`not_test_contact`).

What a review may hold, and the math on it, are service/qa.py's and metrics/qa.py's.
Functions take a Connection so a use case groups them in one transaction. Times are
naive UTC in the tables, aware UTC out of here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, delete, func, insert, literal, or_, select, update

from cxpulse.storage import qa_rollups, tables
from cxpulse.storage.queries import TIME_KEYS, Window, group_labels
from cxpulse.storage.rollups import month_of as rollup_month
from cxpulse.storage.rows import aware_utc
from cxpulse.storage.mystery import not_test_contact

S, R, RS, Q, D = tables.qa_scorecards, tables.qa_reviews, tables.qa_review_scores, tables.qa_queue, tables.qa_disputes
T, K = tables.tickets, tables.ticket_kpis
CHUNK = 2000


# ---- scorecards ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    id: int
    account_id: int
    name: str
    version: int
    criteria: str  # JSON
    content_hash: str
    created_at: datetime


def _scorecard(row) -> ScorecardRow:
    return ScorecardRow(row.id, row.account_id, row.name, row.version, row.criteria, row.content_hash,
                        aware_utc(row.created_at))


def latest_scorecard(conn: Connection, account_id: int, name: str) -> ScorecardRow | None:
    """The newest version of the scorecard called `name`, or None."""
    row = conn.execute(select(S).where(S.c.account_id == account_id, S.c.name == name)
                       .order_by(S.c.version.desc()).limit(1)).first()
    return None if row is None else _scorecard(row)


def scorecards(conn: Connection, account_id: int, *, every_version: bool = False) -> list[ScorecardRow]:
    """The account's scorecards by name: the newest version of each, or every version."""
    q = select(S).where(S.c.account_id == account_id).order_by(S.c.name, S.c.version)
    rows = [_scorecard(r) for r in conn.execute(q)]
    if every_version:
        return rows
    latest: dict[str, ScorecardRow] = {}
    for r in rows:
        latest[r.name] = r
    return list(latest.values())


def scorecard_by_id(conn: Connection, account_id: int, scorecard_id: int) -> ScorecardRow | None:
    row = conn.execute(select(S).where(S.c.account_id == account_id, S.c.id == scorecard_id)).first()
    return None if row is None else _scorecard(row)


def scorecard_version(conn: Connection, account_id: int, name: str, version: int) -> ScorecardRow | None:
    row = conn.execute(select(S).where(S.c.account_id == account_id, S.c.name == name,
                                       S.c.version == version)).first()
    return None if row is None else _scorecard(row)


def scorecards_by_ids(conn: Connection, ids: Collection[int]) -> dict[int, ScorecardRow]:
    if not ids:
        return {}
    return {r.id: _scorecard(r) for r in conn.execute(select(S).where(S.c.id.in_(sorted(ids))))}


def insert_scorecard(
    conn: Connection, *, account_id: int, name: str, version: int, criteria: str, content_hash: str,
    created_at: datetime,
) -> int:
    return conn.execute(insert(S).values(account_id=account_id, name=name, version=version, criteria=criteria,
                                         content_hash=content_hash, created_at=created_at)).inserted_primary_key[0]


# ---- reviews ------------------------------------------------------------------------------


def review_hashes(conn: Connection, account_id: int, source_ids: Collection[str]) -> dict[str, tuple[int, str]]:
    """source id → (row id, content hash) of the reviews already stored among `source_ids`."""
    out: dict[str, tuple[int, str]] = {}
    ids = sorted(set(source_ids))
    for i in range(0, len(ids), CHUNK):
        q = select(R.c.source_id, R.c.id, R.c.content_hash).where(R.c.account_id == account_id,
                                                                  R.c.source_id.in_(ids[i : i + CHUNK]))
        out.update({sid: (rid, h) for sid, rid, h in conn.execute(q)})
    return out


def insert_reviews(conn: Connection, account_id: int, reviews: Sequence[tuple[dict, Sequence[dict]]]) -> None:
    """Insert new reviews with their criterion rows, in two executemany statements each
    chunk (an import of many reviews is not a statement per review)."""
    for i in range(0, len(reviews), CHUNK):
        part = reviews[i : i + CHUNK]
        conn.execute(insert(R), [{"account_id": account_id, **row} for row, _s in part])
        q = select(R.c.source_id, R.c.id).where(R.c.account_id == account_id,
                                                R.c.source_id.in_([row["source_id"] for row, _s in part]))
        ids = dict(conn.execute(q).all())
        rows = [{"review_id": ids[row["source_id"]], "account_id": account_id, **sc} for row, scores in part
                for sc in scores]
        if rows:
            conn.execute(insert(RS), rows)


def write_review(conn: Connection, account_id: int, review: dict, scores: Sequence[dict], *,
                 replace_id: int | None = None) -> int:
    """Insert a review (or replace the one stored as `replace_id`) with its criterion rows."""
    if replace_id is None:
        rid = conn.execute(insert(R).values(account_id=account_id, **review)).inserted_primary_key[0]
    else:
        rid = replace_id
        conn.execute(update(R).where(R.c.id == rid).values(**review))
        conn.execute(delete(RS).where(RS.c.review_id == rid))
    if scores:
        conn.execute(insert(RS), [{"review_id": rid, "account_id": account_id, **s} for s in scores])
    return rid


REVIEW_COLUMNS = (R.c.id, R.c.source_id, R.c.ticket_id, R.c.conversation_id, R.c.reviewer, R.c.agent_id,
                  R.c.score, R.c.root_cause, R.c.comment, R.c.mystery, R.c.created_at,
                  S.c.name.label("scorecard"), S.c.version.label("scorecard_version"), S.c.id.label("scorecard_id"))


def review_page(
    conn: Connection, account_id: int, *, ticket: str | None = None, agent: str | None = None,
    reviewer: str | None = None, mystery: bool | None = None, review_id: str | None = None,
    limit: int = 100, after: int | None = None,
) -> tuple[list[dict], int | None]:
    """Reviews newest first (by row id), each with its criterion scores and disputes; the
    key for the next page (None at the end)."""
    q = select(*REVIEW_COLUMNS).select_from(R.join(S, S.c.id == R.c.scorecard_id)).where(R.c.account_id == account_id)
    if ticket is not None:
        q = q.where(R.c.ticket_id == ticket)
    if agent is not None:
        q = q.where(R.c.agent_id == agent)
    if reviewer is not None:
        q = q.where(R.c.reviewer == reviewer)
    if mystery is not None:
        q = q.where(R.c.mystery.is_(mystery))
    if review_id is not None:
        q = q.where(R.c.source_id == review_id)
    if after is not None:
        q = q.where(R.c.id < after)
    rows = [r._asdict() for r in conn.execute(q.order_by(R.c.id.desc()).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r["id"] for r in rows]
    scores: dict[int, list[dict]] = defaultdict(list)
    disputes: dict[int, list[dict]] = defaultdict(list)
    if ids:
        for s in conn.execute(select(RS.c.review_id, RS.c.criterion, RS.c.score, RS.c.comment)
                              .where(RS.c.review_id.in_(ids))):
            scores[s.review_id].append({"criterion": s.criterion, "score": s.score, "comment": s.comment})
        for d in conn.execute(select(D).where(D.c.review_id.in_(ids)).order_by(D.c.id)):
            disputes[d.review_id].append(_dispute(d))
    for r in rows:
        r["created_at"] = aware_utc(r["created_at"])
        r["mystery"] = bool(r["mystery"])
        r["scores"] = scores.get(r["id"], [])
        r["disputes"] = disputes.get(r["id"], [])
    return rows, (ids[-1] if more else None)


def review_ref(conn: Connection, account_id: int, source_id: str) -> tuple[int, str, str] | None:
    """(row id, agent, reviewer) of the review with this id, or None."""
    row = conn.execute(select(R.c.id, R.c.agent_id, R.c.reviewer)
                       .where(R.c.account_id == account_id, R.c.source_id == source_id)).first()
    return None if row is None else (row.id, row.agent_id, row.reviewer)


def reviewed_tickets(conn: Connection, account_id: int, reviewer: str | None) -> set[str]:
    """Tickets already reviewed by `reviewer` (None: by anyone)."""
    q = select(R.c.ticket_id).distinct().where(R.c.account_id == account_id)
    if reviewer is not None:
        q = q.where(R.c.reviewer == reviewer)
    return {t for (t,) in conn.execute(q)}


# ---- the review queue ---------------------------------------------------------------------


def queued_tickets(conn: Connection, account_id: int, assignee: str) -> set[str]:
    q = select(Q.c.ticket_id).where(Q.c.account_id == account_id, Q.c.assignee == assignee)
    return {t for (t,) in conn.execute(q)}


def insert_queue(conn: Connection, account_id: int, rows: Sequence[dict]) -> None:
    if rows:
        conn.execute(insert(Q), [{"account_id": account_id, **r} for r in rows])


def queue_rows(conn: Connection, account_id: int, *, assignee: str | None = None, pending_only: bool = False) -> list[dict]:
    """The queue, oldest first, each item with `done` once its assignee (or, unassigned,
    anyone) has reviewed the ticket."""
    done_by_assignee = select(R.c.id).where(
        R.c.account_id == Q.c.account_id, R.c.ticket_id == Q.c.ticket_id,
        or_(Q.c.assignee == "", R.c.reviewer == Q.c.assignee)).exists()
    q = select(Q.c.id, Q.c.ticket_id, Q.c.agent_id, Q.c.assignee, Q.c.strategy, Q.c.sample_id, Q.c.created_at,
               done_by_assignee.label("done"), T.c.subject).select_from(
        Q.outerjoin(T, and_(T.c.account_id == Q.c.account_id, T.c.source_id == Q.c.ticket_id))
    ).where(Q.c.account_id == account_id).order_by(Q.c.id)
    if assignee is not None:
        q = q.where(Q.c.assignee == assignee)
    if pending_only:
        q = q.where(~done_by_assignee)
    return [{**r._asdict(), "created_at": aware_utc(r.created_at), "done": bool(r.done), "subject": r.subject or ""}
            for r in conn.execute(q)]


def sample_candidates(conn: Connection, account_id: int, strategy: str) -> list[tuple[str, str, float]]:
    """(ticket id, agent, rank) of the tickets a strategy may pick, best first by rank:
    random — solved or closed tickets (rank 0, the caller shuffles); low-csat — tickets whose
    CSAT answer was 1–3 on 1–5 or bad (lowest first); at-risk — open tickets with a
    predicted score (lowest first); long — solved tickets with the most messages; reopened —
    tickets reopened at least once (most reopens first). A test contact is never a candidate."""
    agent = K.c.agent_id
    base = [K.c.account_id == account_id, not_test_contact(K.c.account_id, K.c.ticket_id)]
    done = K.c.status.in_(("solved", "closed"))
    if strategy == "random":
        q = select(K.c.ticket_id, agent, literal(0.0)).where(*base, done)
    elif strategy == "long":
        q = select(K.c.ticket_id, agent, -(func.coalesce(K.c.agent_replies, 0) + func.coalesce(K.c.customer_messages, 0))
                   ).where(*base, done)
    elif strategy == "reopened":
        q = select(K.c.ticket_id, agent, -K.c.reopens).where(*base, K.c.reopens > 0)
    elif strategy == "at-risk":
        P = tables.predictions
        q = select(K.c.ticket_id, agent, P.c.score).select_from(
            K.join(P, and_(P.c.account_id == K.c.account_id, P.c.ticket_id == K.c.ticket_id))
        ).where(*base, ~done)
    elif strategy == "low-csat":
        r = tables.responses
        low = or_(and_(r.c.scale == "1-5", r.c.score <= 3), and_(r.c.scale == "binary", r.c.score == 0))
        q = select(K.c.ticket_id, agent, func.min(r.c.score)).select_from(
            K.join(r, and_(r.c.account_id == K.c.account_id, r.c.ticket_id == K.c.ticket_id))
        ).where(*base, r.c.kind == "csat", low).group_by(K.c.ticket_id, agent)
    else:
        raise ValueError(strategy)
    return [(tid, a or "", float(rank)) for tid, a, rank in conn.execute(q)]


# ---- disputes -----------------------------------------------------------------------------


def _dispute(d) -> dict:
    return {"id": d.id, "agent_id": d.agent_id, "comment": d.comment, "status": d.status, "resolver": d.resolver,
            "resolver_comment": d.resolver_comment, "created_at": aware_utc(d.created_at),
            "resolved_at": aware_utc(d.resolved_at)}


def insert_dispute(conn: Connection, *, account_id: int, review_id: int, agent_id: str, comment: str,
                   created_at: datetime) -> dict:
    did = conn.execute(insert(D).values(account_id=account_id, review_id=review_id, agent_id=agent_id,
                                        comment=comment, status="open", resolver="", resolver_comment="",
                                        created_at=created_at)).inserted_primary_key[0]
    return dispute(conn, account_id, did)


def dispute(conn: Connection, account_id: int, dispute_id: int) -> dict | None:
    row = conn.execute(select(D).where(D.c.account_id == account_id, D.c.id == dispute_id)).first()
    return None if row is None else {**_dispute(row), "review_row": row.review_id}


def open_dispute_of(conn: Connection, review_row: int) -> int | None:
    return conn.execute(select(D.c.id).where(D.c.review_id == review_row, D.c.status == "open")).scalar()


def resolve_dispute(conn: Connection, dispute_id: int, *, resolver: str, comment: str, at: datetime) -> None:
    conn.execute(update(D).where(D.c.id == dispute_id).values(status="resolved", resolver=resolver,
                                                             resolver_comment=comment, resolved_at=at))


# ---- reports ------------------------------------------------------------------------------


def _group_columns(by: Sequence[str]) -> list:
    cols = {"account": R.c.account_id, "agent": R.c.agent_id, "group": func.coalesce(T.c.group_name, ""),
            "channel": func.coalesce(T.c.channel, ""), "category": func.coalesce(T.c.category, ""),
            "criterion": RS.c.criterion}
    return [R.c.day if k in TIME_KEYS else cols[k] for k in by]


def _review_conds(window: Window, mystery: str) -> list:
    return qa_rollups.window_conds(R, R.c.day, window, mystery)


_REVIEW_TICKETS = R.outerjoin(T, and_(T.c.account_id == R.c.account_id, T.c.source_id == R.c.ticket_id))
_TICKET_KEYS = ("group", "channel", "category")


def _source(by: Sequence[str]):
    """The reviews, joined to their tickets only when a --by key is a ticket's."""
    return _REVIEW_TICKETS if any(k in _TICKET_KEYS for k in by) else R


def iqs_sums(conn: Connection, *, by: Sequence[str], window: Window, mystery: str,
             raw: bool = False) -> dict[tuple, tuple[float, float, int]]:
    """Per group: (Σ score, Σ score², n) of the reviews with a score — what IQS is made of;
    from the QA rollups when they hold the grain (storage/qa_rollups.py), unless `raw`."""
    if qa_rollups.answers(by, window) and not raw:
        q = qa_rollups.iqs_sums_query(by, window, mystery)
    else:
        g = _group_columns(by)
        q = (select(*g, func.sum(R.c.score), func.sum(R.c.score * R.c.score), func.count(R.c.score))
             .select_from(_source(by)).where(*_review_conds(window, mystery), R.c.score.is_not(None)).group_by(*g))
    out: dict[tuple, tuple[float, float, int]] = {}
    for row in conn.execute(q):  # from the reviews, --by month groups by day: the days of a month add up
        if row[-1]:  # no group: one row of n = 0 when nothing matched
            total, sq, n = out.get(group_labels(by, row), (0.0, 0.0, 0))
            out[group_labels(by, row)] = (total + float(row[-3] or 0), sq + float(row[-2] or 0), n + int(row[-1]))
    return out


def criterion_counts(
    conn: Connection, *, by: Sequence[str], window: Window, mystery: str, raw: bool = False
) -> dict[tuple, dict[tuple[int, str], dict[int, int]]]:
    """Per group: (scorecard row, criterion) → {score: reviews}, N/A left out; from the QA
    rollups when they hold the grain, unless `raw`."""
    if qa_rollups.answers(by, window) and not raw:
        q = qa_rollups.criterion_counts_query(by, window, mystery)
    else:
        g = _group_columns(by)
        src = _source(by).join(RS, RS.c.review_id == R.c.id)
        q = (select(*g, R.c.scorecard_id, RS.c.criterion, RS.c.score, func.count()).select_from(src)
             .where(*_review_conds(window, mystery), RS.c.score.is_not(None))
             .group_by(*g, R.c.scorecard_id, RS.c.criterion, RS.c.score))
    out: dict[tuple, dict[tuple[int, str], dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in conn.execute(q):
        sid, crit, score, n = row[len(by):]
        per = out[group_labels(by, row)][(int(sid), crit)]
        per[int(score)] = per.get(int(score), 0) + int(n)  # the days of a month add up
    return out


def agreement_scores(conn: Connection, *, by: Sequence[str], window: Window, mystery: str,
                     tickets: Mapping[int, Sequence[str]] | None = None) -> Iterable[tuple]:
    """(group labels, ticket, criterion, scorecard row, reviewer, score) of every rated
    criterion of the tickets that two or more reviewers reviewed; of these tickets alone
    (account → ticket ids) when `tickets` is given."""
    if tickets is None:
        yield from _agreement_scores(conn, by, window, mystery, [])
        return
    for aid, ids in tickets.items():
        for i in range(0, len(ids), CHUNK):
            only = [R.c.account_id == aid, R.c.ticket_id.in_(list(ids[i : i + CHUNK]))]
            yield from _agreement_scores(conn, by, window, mystery, only)


def _agreement_scores(conn: Connection, by: Sequence[str], window: Window, mystery: str, only: list) -> Iterable[tuple]:
    conds = [*_review_conds(window, mystery), *only]
    multi = (select(R.c.account_id, R.c.ticket_id).where(*conds)
             .group_by(R.c.account_id, R.c.ticket_id).having(func.count(func.distinct(R.c.reviewer)) >= 2)).subquery()
    g = _group_columns(by)
    src = _source(by).join(RS, RS.c.review_id == R.c.id).join(
        multi, and_(multi.c.account_id == R.c.account_id, multi.c.ticket_id == R.c.ticket_id))
    q = (select(*g, R.c.account_id, R.c.ticket_id, RS.c.criterion, R.c.scorecard_id, R.c.reviewer, RS.c.score)
         .select_from(src).where(*conds).order_by(R.c.id))
    for row in conn.execute(q):
        aid, tid, crit, sid, reviewer, score = row[len(by):]
        yield group_labels(by, row), f"{aid}:{tid}", crit, int(sid), reviewer, score


AGREEMENT_KEYS = {"account", "agent", "month"}  # the --by keys agreement_units groups by in SQL
SCORE_VALUES = (0, 1, 2, 3, 4)  # pass/fail 0/1, or 1–4: what check_review lets a criterion hold


def agreement_units(
    conn: Connection, *, by: Sequence[str], window: Window, mystery: str
) -> tuple[list[tuple[tuple, str, int, dict[int, int], int]], dict[tuple[tuple, str], int]]:
    """What agreement_scores gives, counted in SQL: the units (ticket × criterion, the latest
    score of each reviewer) as (group labels, criterion, a scorecard row of the unit, {score:
    times in the unit} without N/A, how many units look so); and per (group, criterion) how
    many reviewers scored in them. Units with the same scores are one row,
    so a million reviews come back as a few hundred rows. --by from AGREEMENT_KEYS alone.
    A unit's scale is read from one of its scorecard rows (the lowest): the same criterion
    key keeps its scale across a scorecard's versions, else the per-row path tells them apart."""
    month = rollup_month(R.c.day, conn.dialect.name)
    cols = {"account": R.c.account_id, "agent": R.c.agent_id, "month": month}
    conds = _review_conds(window, mystery)
    multi = (select(R.c.account_id, R.c.ticket_id).where(*conds)
             .group_by(R.c.account_id, R.c.ticket_id).having(func.count(func.distinct(R.c.reviewer)) >= 2)).subquery()
    g = [cols[k].label(f"g{i}") for i, k in enumerate(by)]
    keys = [R.c.account_id.label("aid"), R.c.ticket_id.label("tid"), RS.c.criterion.label("crit")]
    latest = (select(*g, *keys, R.c.reviewer.label("rev"), func.max(R.c.id).label("rid"))
              .select_from(R.join(RS, RS.c.review_id == R.c.id).join(
                  multi, and_(multi.c.account_id == R.c.account_id, multi.c.ticket_id == R.c.ticket_id)))
              .where(*conds).group_by(*[c.element for c in g], *[c.element for c in keys], R.c.reviewer)).subquery()
    R2, RS2 = R.alias("r2"), RS.alias("rs2")
    lg = [latest.c[f"g{i}"] for i in range(len(by))]
    vals = (select(*lg, latest.c.aid, latest.c.tid, latest.c.crit, latest.c.rev, RS2.c.score, R2.c.scorecard_id)
            .select_from(latest.join(RS2, and_(RS2.c.review_id == latest.c.rid, RS2.c.criterion == latest.c.crit))
                         .join(R2, R2.c.id == latest.c.rid))).cte("vals")  # read twice, worked out once
    vg = [vals.c[f"g{i}"] for i in range(len(by))]
    unit_keys = [*vg, vals.c.aid, vals.c.tid, vals.c.crit]
    units = (select(*unit_keys, func.min(vals.c.scorecard_id).label("sid"),
                    *[func.sum(case((vals.c.score == v, 1), else_=0)).label(f"c{v}") for v in SCORE_VALUES])
             .group_by(*unit_keys)).subquery()
    ug = [units.c[f"g{i}"] for i in range(len(by))]
    counted = [units.c[f"c{v}"] for v in SCORE_VALUES]
    shapes = select(literal(0).label("what"), *ug, units.c.crit, units.c.sid, *counted, func.count().label("n")
                    ).group_by(*ug, units.c.crit, units.c.sid, *counted)
    zero = [literal(0)] * len(SCORE_VALUES)
    reviewers_q = (select(literal(1), *vg, vals.c.crit, literal(0), *zero, func.count(func.distinct(vals.c.rev)))
                   .where(vals.c.score.is_not(None)).group_by(*vg, vals.c.crit))
    out = []
    reviewers: dict[tuple[tuple, str], int] = {}
    for row in conn.execute(shapes.union_all(reviewers_q)):
        what, row = row[0], row[1:]
        crit, sid, *per, n = row[len(by):]
        if what == 1:
            reviewers[(group_labels(by, row), crit)] = int(n)
        else:
            out.append((group_labels(by, row), crit, int(sid), {v: int(c) for v, c in zip(SCORE_VALUES, per) if c},
                        int(n)))
    return out, reviewers


# ---- lookups a write needs ------------------------------------------------------------------


def mystery_of(conn: Connection, account_id: int, row_ids: Collection[int]) -> dict[int, bool]:
    """row id → its mystery flag, of these stored reviews."""
    ids = sorted(set(row_ids))
    out: dict[int, bool] = {}
    for i in range(0, len(ids), CHUNK):
        q = select(R.c.id, R.c.mystery).where(R.c.account_id == account_id, R.c.id.in_(ids[i : i + CHUNK]))
        out.update({rid: bool(m) for rid, m in conn.execute(q)})
    return out


def review_rows(conn: Connection, account_id: int, row_ids: Collection[int]) -> dict[int, tuple[dict, list[dict]]]:
    """row id → (ticket_id, day, agent_id, mystery, scorecard_id, score; its criterion rows)
    of these stored reviews: what a replacement takes out of the QA rollups."""
    ids = sorted(set(row_ids))
    out: dict[int, tuple[dict, list[dict]]] = {}
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        q = select(R.c.id, R.c.ticket_id, R.c.day, R.c.agent_id, R.c.mystery, R.c.scorecard_id, R.c.score).where(
            R.c.account_id == account_id, R.c.id.in_(part))
        for r in conn.execute(q):
            out[r.id] = ({"ticket_id": r.ticket_id, "day": r.day, "agent_id": r.agent_id, "mystery": bool(r.mystery),
                          "scorecard_id": r.scorecard_id, "score": r.score}, [])
        for s in conn.execute(select(RS.c.review_id, RS.c.criterion, RS.c.score).where(RS.c.review_id.in_(part))):
            out[s.review_id][1].append({"criterion": s.criterion, "score": s.score})
    return out


def review_created_at(conn: Connection, account_id: int, source_id: str) -> datetime | None:
    """When the stored review with this id was made (aware UTC), or None."""
    at = conn.execute(select(R.c.created_at).where(R.c.account_id == account_id, R.c.source_id == source_id)).scalar()
    return aware_utc(at)


def review_source(conn: Connection, row_id: int) -> str:
    return conn.execute(select(R.c.source_id).where(R.c.id == row_id)).scalar_one()


def ticket_assignees(conn: Connection, account_id: int, ticket_ids: Collection[str]) -> dict[str, str]:
    """ticket → its assignee as last known (the agent a review of it reviews)."""
    ids = sorted(set(ticket_ids))
    out: dict[str, str] = {}
    for i in range(0, len(ids), CHUNK):
        q = select(T.c.source_id, T.c.assignee_id).where(T.c.account_id == account_id,
                                                         T.c.source_id.in_(ids[i : i + CHUNK]))
        out.update({t: a or "" for t, a in conn.execute(q)})
    return out


def solved_since(conn: Connection, account_id: int, since: datetime) -> list[dict]:
    """The account's assigned tickets solved at or after `since` (naive UTC), each with its
    agent, solve time and CSAT answer if any (`csat` on 1–5 or `satisfied` on binary): what
    a simulated week of reviews draws from. Test contacts stay in, so the same week drawn
    again (a demo run twice) finds the same tickets."""
    r = tables.responses
    q = (
        select(K.c.ticket_id, K.c.agent_id, K.c.solved_at, func.min(r.c.scale), func.min(r.c.score))
        .select_from(K.outerjoin(r, and_(r.c.account_id == K.c.account_id, r.c.ticket_id == K.c.ticket_id,
                                         r.c.kind == "csat")))
        .where(K.c.account_id == account_id, K.c.solved_at >= since, K.c.agent_id != "")
        .group_by(K.c.ticket_id, K.c.agent_id, K.c.solved_at)
        .order_by(K.c.ticket_id)
    )
    out = []
    for tid, agent, solved, scale, score in conn.execute(q):
        t = {"ticket_id": tid, "agent_id": agent, "solved_at": aware_utc(solved)}
        if scale == "1-5":
            t["csat"] = score
        elif scale == "binary":
            t["satisfied"] = bool(score)
        out.append(t)
    return out
