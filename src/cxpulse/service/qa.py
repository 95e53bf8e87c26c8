"""Quality reviews: scorecards, reviews, the review queue, disputes, and imports from
another QA tool (issue 16, §2–§3).

- A scorecard is versioned: applying changed criteria adds a version, the same criteria
  again add nothing, and a review keeps the version it was made on. An account that never
  applied one reviews on the default eight criteria (`DEFAULT_SCORECARD`), stored as its
  version 1 on first use.
- A review is one reviewer's scores on one ticket (or one conversation of it); its IQS is
  `metrics.qa.review_score`, kept with it. Writing the same review id again changes
  nothing when nothing changed, and replaces it when something did.
- A review flagged `mystery` makes its ticket a test contact: the ticket's rollups are
  marked stale in the same transaction and derived again, so CSAT, CES and NPS leave it
  out from then on (storage/mystery.py).
"""

from __future__ import annotations

import json
import random
import tomllib
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxpulse.domain import FormatError, InvalidQuery, NotFound
from cxpulse.domain.scorecards import (
    DEFAULT_SCORECARD,
    CriterionScale,
    Scorecard,
    ScorecardError,
    scorecard_from_mapping,
)
from cxpulse.metrics.qa import check_review, review_score
from cxpulse.readers.base import Reject, RowError
from cxpulse.readers.qa_csv import FAIL_WORDS, PASS_WORDS, QaMapping, RawReview, rating_cell, read_reviews
from cxpulse.storage import Store, StoredAccount
from cxpulse.storage import qa as stored
from cxpulse.storage import stale
from cxpulse.storage import qa_agreement, qa_rollups
from cxpulse.storage.rows import content_hash, local_day, naive_utc

PASS_FAIL_WORDS = PASS_WORDS | FAIL_WORDS
STRATEGIES = ("random", "low-csat", "at-risk", "long", "reopened")
MAX_TEXT = 10_000  # a comment longer than this is refused, not cut
MAX_ID = 200
ROLLUP_DELTAS_UP_TO = 500  # reviews a write adds into the QA rollups one by one; more: their months recounted


# ---- scorecards ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredScorecard:
    id: int
    account: str
    scorecard: Scorecard
    created_at: datetime

    def as_dict(self) -> dict:
        return {"id": self.id, "account": self.account, **self.scorecard.to_mapping(),
                "created_at": self.created_at}


def _from_row(acc: StoredAccount, row: stored.ScorecardRow) -> StoredScorecard:
    card = scorecard_from_mapping({"name": row.name, "version": row.version, "criteria": json.loads(row.criteria)})
    return StoredScorecard(row.id, acc.name, card, row.created_at)


def read_scorecard_file(path: Path) -> dict:
    """A scorecard file (TOML, or JSON by its .json suffix) as plain data; FormatError
    names the file (and the line, for TOML) when it cannot be read."""
    if not path.is_file():
        raise FormatError(str(path), "no such file", fix="give the path of a .toml or .json scorecard (docs/qa.md)")
    try:
        if path.suffix.lower() == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except json.JSONDecodeError as e:
        raise FormatError(str(path), f"not valid JSON: {e.msg}", line=e.lineno) from None
    except tomllib.TOMLDecodeError as e:
        raise FormatError(str(path), f"not valid TOML: {e}", fix="docs/qa.md shows a scorecard file") from None
    except UnicodeDecodeError:
        raise FormatError(str(path), "not UTF-8 text", fix="save the scorecard as UTF-8") from None


def apply_scorecard(store: Store, account: str, data: Mapping[str, Any], *, now: datetime | None = None,
                    where: str = "") -> tuple[StoredScorecard, bool]:
    """Store the scorecard `data` describes; returns it and whether a new version was made.
    Its criteria are checked all at once (ScorecardError lists every bad field); a
    `version` in the data is ignored: the store numbers the versions."""
    if isinstance(data, Mapping):
        data = {**data, "version": 1}
    try:
        card = scorecard_from_mapping(data)
    except ScorecardError as e:
        raise ScorecardError(f"{where}: {e}" if where else str(e)) from None
    acc = store.account(account)
    return _store_scorecard(store, acc, card, now=now)


def _store_scorecard(store: Store, acc: StoredAccount, card: Scorecard, *, now: datetime | None = None,
                     ) -> tuple[StoredScorecard, bool]:
    criteria = card.to_mapping()["criteria"]
    digest = content_hash({"criteria": criteria})
    with store.engine.begin() as conn:
        latest = stored.latest_scorecard(conn, acc.id, card.name)
        if latest is not None and latest.content_hash == digest:
            return _from_row(acc, latest), False
        version = 1 if latest is None else latest.version + 1
        sid = stored.insert_scorecard(conn, account_id=acc.id, name=card.name, version=version,
                                      criteria=json.dumps(criteria, ensure_ascii=False), content_hash=digest,
                                      created_at=naive_utc(now or datetime.now(UTC)))
        return _from_row(acc, stored.scorecard_by_id(conn, acc.id, sid)), True


def scorecards(store: Store, account: str, *, name: str | None = None, every_version: bool = False
               ) -> list[StoredScorecard]:
    """The account's scorecards (newest version of each, or every version), by name."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        rows = stored.scorecards(conn, acc.id, every_version=every_version)
    out = [_from_row(acc, r) for r in rows if name is None or r.name == name]
    if name is not None and not out:
        raise NotFound(f"account {account!r} has no scorecard {name!r}; `cxpulse qa scorecard show` lists them")
    return out


def _scorecard_for(store: Store, acc: StoredAccount, name: str, version: int | None,
                   cache: dict | None = None) -> StoredScorecard:
    """The scorecard a review is made on: the named one (its newest version, or `version`);
    no name: the account's only one, else the default scorecard (stored on first use)."""
    key = (name, version)
    if cache is not None and key in cache:
        return cache[key]
    with store.engine.connect() as conn:
        if not name:
            cards = stored.scorecards(conn, acc.id)
            row = cards[0] if len(cards) == 1 else stored.latest_scorecard(conn, acc.id, DEFAULT_SCORECARD.name)
            if row is None and len(cards) > 1:
                raise InvalidQuery(f"account {acc.name!r} has {len(cards)} scorecards; name one: "
                                   + ", ".join(c.name for c in cards))
        elif version is not None:
            row = stored.scorecard_version(conn, acc.id, name, version)
        else:
            row = stored.latest_scorecard(conn, acc.id, name)
    if row is None and (not name or (name == DEFAULT_SCORECARD.name and version in (None, 1))):
        found, _ = _store_scorecard(store, acc, DEFAULT_SCORECARD)
    elif row is None:
        raise NotFound(f"account {acc.name!r} has no scorecard {name!r}" + (f" version {version}" if version else "")
                       + "; `cxpulse qa scorecard show` lists them, `cxpulse qa scorecard apply` adds one")
    else:
        found = _from_row(acc, row)
    if cache is not None:
        cache[key] = found
    return found


# ---- reviews ------------------------------------------------------------------------------


@dataclass
class ReviewInput:
    """A review as a caller gives it (the API's body, an imported row)."""

    ticket_id: str
    reviewer: str
    scores: Mapping[str, Any]  # criterion key → score (1–4, pass/fail, None = N/A) or {"score", "comment"}
    id: str = ""  # the caller's id for it: writing it again changes nothing; "" = a new id
    agent_id: str = ""  # "" = the ticket's assignee
    conversation_id: str = ""
    scorecard: str = ""  # "" = the account's only scorecard, or the default
    scorecard_version: int | None = None  # None = the newest
    comment: str = ""
    root_cause: str = ""
    mystery: bool = False
    created_at: datetime | None = None  # None = now


@dataclass
class WriteSummary:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    review_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"read": self.read, "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "rejects": [r.as_dict() for r in self.rejects]}


def _score_value(raw: Any, scale: CriterionScale, key: str) -> int | None:
    """A score as given (number, bool, pass/fail word, None / "n/a") → what is stored."""
    if isinstance(raw, Mapping):
        raw = raw.get("score")
    if raw is None:
        return None
    if isinstance(raw, bool) or (isinstance(raw, str) and raw.strip().casefold() in PASS_FAIL_WORDS):
        if scale is not CriterionScale.PASS_FAIL:
            raise InvalidQuery(f"{key}: {raw!r} is a pass/fail rating, and {key} is scored 1–4")
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, str):
        try:
            return rating_cell(raw, {})
        except RowError:
            raise InvalidQuery(f"{key}: {raw!r} is not a score; use 1–4, pass/fail or null (N/A)") from None
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, int):
        return raw
    raise InvalidQuery(f"{key}: {raw!r} is not a score; use 1–4, pass/fail or null (N/A)")


def _checked_review(acc: StoredAccount, r: ReviewInput, card: StoredScorecard) -> tuple[dict, list[dict]]:
    """The review's row and its criterion rows; InvalidQuery names the field that does not fit."""
    for name, value in (("ticket_id", r.ticket_id), ("reviewer", r.reviewer)):
        if not isinstance(value, str) or not value.strip():
            raise InvalidQuery(f"{name}: empty — every review names its {name.replace('_', ' ')}")
    for name, value in (("ticket_id", r.ticket_id), ("reviewer", r.reviewer), ("id", r.id),
                        ("agent_id", r.agent_id), ("conversation_id", r.conversation_id), ("root_cause", r.root_cause)):
        if len(value) > MAX_ID:
            raise InvalidQuery(f"{name}: longer than {MAX_ID} characters")
    if len(r.comment) > MAX_TEXT:
        raise InvalidQuery(f"comment: longer than {MAX_TEXT} characters")
    criteria = card.scorecard.criteria
    scales = {c.key: c.scale for c in criteria}
    unknown = [k for k in r.scores if k not in scales]
    if unknown:
        raise InvalidQuery(f"scores: no criterion {unknown[0]!r} on scorecard {card.scorecard.name!r} "
                           f"v{card.scorecard.version}; its criteria are {', '.join(scales)}")
    values = {k: _score_value(v, scales[k], k) for k, v in r.scores.items()}
    comments = {k: (str(v.get("comment") or "") if isinstance(v, Mapping) else "") for k, v in r.scores.items()}
    for k, text in comments.items():
        if len(text) > MAX_TEXT:
            raise InvalidQuery(f"scores.{k}.comment: longer than {MAX_TEXT} characters")
    as_rated = {k: (bool(v) if v is not None and scales[k] is CriterionScale.PASS_FAIL and v in (0, 1) else v)
                for k, v in values.items()}
    try:
        check_review(as_rated, criteria)
        score = review_score(as_rated, criteria)
    except ValueError as e:
        raise InvalidQuery(f"scores: {e}") from None
    at = r.created_at or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    row = {
        "source_id": r.id or uuid.uuid4().hex, "ticket_id": r.ticket_id.strip(), "conversation_id": r.conversation_id,
        "reviewer": r.reviewer.strip(), "agent_id": r.agent_id, "scorecard_id": card.id, "score": score,
        "root_cause": r.root_cause, "comment": r.comment, "mystery": bool(r.mystery),
        "created_at": naive_utc(at), "day": local_day(at, acc.tz),
    }
    scores = [{"criterion": c.key, "score": values.get(c.key), "comment": comments.get(c.key, "")} for c in criteria]
    return row, scores


def _write(store: Store, acc: StoredAccount, reviews: Sequence[tuple[dict, list[dict]]], summary: WriteSummary) -> bool:
    """Store checked reviews (idempotent by id); True when a test contact changed, so the
    account's derived figures must be derived again."""
    if not reviews:
        return False
    test_contacts_changed = False
    with store.engine.begin() as conn:
        # first: the account's one write lock (storage/locks.py), before anything is read or written
        qa_agreement.lock_account(conn, acc.id)
        agents = _assignees(conn, acc, [row["ticket_id"] for row, _ in reviews if not row["agent_id"]])
        known = stored.review_hashes(conn, acc.id, [row["source_id"] for row, _ in reviews])
        prior_mystery = stored.mystery_of(conn, acc.id, [rid for rid, _h in known.values()])
        new: list[tuple[dict, list[dict]]] = []
        pending: dict[str, int] = {}  # source id → its place in `new`
        replacing: dict[int, tuple[dict, list[dict]]] = {}  # stored row id → its new version
        for row, scores in reviews:
            row = {**row, "agent_id": row["agent_id"] or agents.get(row["ticket_id"], "")}
            digest = content_hash({**row, "created_at": row["created_at"].isoformat(), "day": row["day"].isoformat(),
                                   "scores": scores})
            have = known.get(row["source_id"])
            summary.review_ids.append(row["source_id"])
            if have is not None and have[1] == digest:
                summary.unchanged += 1
                continue
            if have is None:
                pending[row["source_id"]] = len(new)
                new.append(({**row, "content_hash": digest}, scores))
                summary.inserted += 1
            elif have[0] == -1:  # the same id twice in one batch: the later one wins
                new[pending[row["source_id"]]] = ({**row, "content_hash": digest}, scores)
                summary.updated += 1
            else:
                replacing[have[0]] = ({**row, "content_hash": digest}, scores)
                summary.updated += 1
            known[row["source_id"]] = (have[0] if have else -1, digest)
            before = prior_mystery.get(have[0]) if have and have[0] != -1 else None
            if row["mystery"] or before:
                stale.mark_tickets(conn, acc.id, [row["ticket_id"]])
                test_contacts_changed = True
        old = stored.review_rows(conn, acc.id, replacing)
        touched = {row["ticket_id"] for row, _s in (*new, *replacing.values(), *old.values())}
        agreed = qa_agreement.count_tickets(conn, acc.id, touched) if touched else None
        for rid, (row, scores) in replacing.items():
            stored.write_review(conn, acc.id, row, scores, replace_id=rid)
        stored.insert_reviews(conn, acc.id, new)
        _count_in_rollups(conn, acc, [*new, *replacing.values()], list(old.values()))
        if agreed is not None:  # the agreement units of the tickets written, counted again
            qa_agreement.recount(conn, acc.id, touched, agreed)
    return test_contacts_changed


def _count_in_rollups(conn, acc: StoredAccount, written: list, replaced: list) -> None:
    """Keep the QA rollups in step: a few reviews are added in (their old versions taken
    out); many — an import — recount the months they touch, one statement per table."""
    if len(written) + len(replaced) <= ROLLUP_DELTAS_UP_TO:
        qa_rollups.add_reviews(conn, acc.id, written, replaced)
    elif written:
        days = [row["day"] for row, _s in (*written, *replaced)]
        qa_rollups.refresh_qa_rollups(conn, acc.id, first_day=min(days), last_day=max(days))


def _assignees(conn, acc: StoredAccount, tickets: Sequence[str]) -> dict[str, str]:
    return stored.ticket_assignees(conn, acc.id, tickets) if tickets else {}


def _derive(store: Store, acc: StoredAccount) -> None:
    from cxpulse.service.derive import derive_stale

    derive_stale(store, [acc.name])


def create_review(store: Store, account: str, review: ReviewInput, *, now: datetime | None = None) -> dict:
    """Check and store one review; returns it as `list_reviews` shows it, with `written`:
    inserted, updated or unchanged. A mystery review derives its ticket's figures again
    before it returns, so the next CSAT report already leaves the ticket out."""
    acc = store.account(account)
    if review.created_at is None and review.id:  # sent again without a time: it keeps the one it has
        with store.engine.connect() as conn:
            review.created_at = stored.review_created_at(conn, acc.id, review.id)
    if review.created_at is None and now is not None:
        review.created_at = now
    card = _scorecard_for(store, acc, review.scorecard, review.scorecard_version)
    summary = WriteSummary(read=1)
    if _write(store, acc, [_checked_review(acc, review, card)], summary):
        _derive(store, acc)
    written = "inserted" if summary.inserted else "updated" if summary.updated else "unchanged"
    rows, _ = list_reviews(store, account, review_id=summary.review_ids[0], limit=1)
    return {**rows[0], "written": written}


def write_reviews(store: Store, account: str, reviews: Sequence[ReviewInput]) -> WriteSummary:
    """Check and store many reviews in one transaction (the demo's week, a bulk load):
    all or none — the first that does not fit is refused as InvalidQuery naming its place
    and field. Idempotent by id, as `create_review`; mystery reviews derive their tickets'
    figures again once, at the end."""
    acc = store.account(account)
    cache: dict = {}
    checked = []
    for i, r in enumerate(reviews):
        try:
            checked.append(_checked_review(acc, r, _scorecard_for(store, acc, r.scorecard, r.scorecard_version, cache)))
        except InvalidQuery as e:
            raise InvalidQuery(f"review {i + 1} ({r.id or r.ticket_id}): {e}") from None
    summary = WriteSummary(read=len(checked))
    if _write(store, acc, checked, summary):
        _derive(store, acc)
    return summary


def review_pool(store: Store, account: str, since: datetime) -> list[dict]:
    """Assigned tickets solved since `since`, with agent, solve time and CSAT: what
    `cxpulse.demo.qa.simulate_reviews` takes."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        return stored.solved_since(conn, acc.id, naive_utc(since))


def scorecard_for(store: Store, account: str, name: str = "", version: int | None = None) -> StoredScorecard:
    """The scorecard a new review is made on (see `_scorecard_for`): the dashboard's form uses it."""
    return _scorecard_for(store, store.account(account), name, version)


def list_reviews(
    store: Store, account: str, *, ticket: str | None = None, agent: str | None = None, reviewer: str | None = None,
    mystery: bool | None = None, review_id: str | None = None, limit: int = 100, after: int | None = None,
) -> tuple[list[dict], int | None]:
    """Reviews newest first, each with its criterion scores and disputes (an agent's own:
    `agent`); the key of the next page."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        rows, nxt = stored.review_page(conn, acc.id, ticket=ticket, agent=agent, reviewer=reviewer, mystery=mystery,
                                       review_id=review_id, limit=limit, after=after)
    for r in rows:
        r["review_id"] = r.pop("source_id")
        r["row"] = r.pop("id")
    return rows, nxt


# ---- import -------------------------------------------------------------------------------


def import_reviews(store: Store, account: str, path: Path, mapping: Path) -> WriteSummary:
    """Reviews from another QA tool's CSV (readers/qa_csv.py). A bad row, or a rating that
    does not fit its scorecard, is rejected with its file, line and column; the good
    reviews go in; importing the same file twice changes nothing."""
    acc = store.account(account)
    m, stream = read_reviews(path, mapping)
    summary = WriteSummary()
    cards: dict = {}
    good: list[tuple[dict, list[dict]]] = []
    for item in stream:
        if isinstance(item, Reject):
            summary.read += 1
            summary.rejected += 1
            summary.rejects.append(item)
            continue
        summary.read += 1
        try:
            good.append(_raw_review(store, acc, item, m, cards))
        except RowError as e:
            summary.rejected += 1
            summary.rejects.append(Reject(str(path), e.line if isinstance(e, _AtLine) else item.line, e.field, e.reason))
        except (InvalidQuery, NotFound) as e:
            summary.rejected += 1
            summary.rejects.append(Reject(str(path), item.line, m.columns.get("scorecard", "scorecard"), str(e)))
    if _write(store, acc, good, summary):
        _derive(store, acc)
    summary.rejects.sort(key=lambda r: r.line)
    return summary


class _AtLine(RowError):
    def __init__(self, field: str, reason: str, line: int) -> None:
        super().__init__(field, reason)
        self.line = line


def _raw_review(store: Store, acc: StoredAccount, raw: RawReview, m: QaMapping, cards: dict) -> tuple[dict, list[dict]]:
    card = _scorecard_for(store, acc, raw.scorecard, raw.scorecard_version, cards)
    scales = {c.key: c for c in card.scorecard.criteria}
    scores: dict[str, dict] = {}
    for key, (cell, comment, line, column) in raw.ratings.items():
        if key not in scales:
            raise _AtLine(m.columns.get("criterion", column), f"no criterion {key!r} on scorecard {card.scorecard.name!r}; map the category to "
                          f"one of {', '.join(scales)} in [categories]" if m.rows == "ratings" else
                          f"one of {', '.join(scales)}", line)
        if cell.strip().casefold() in PASS_FAIL_WORDS and cell.strip().casefold() not in m.values \
                and scales[key].scale is not CriterionScale.PASS_FAIL:
            raise _AtLine(column, f"{cell.strip()!r} is a pass/fail rating, and {key} is scored 1–4; map it in "
                          "[values] or fix the cell", line)
        try:
            scores[key] = {"score": rating_cell(cell, m.values), "comment": comment}
        except RowError as e:
            raise _AtLine(column, e.reason, line) from None
    for key, c in scales.items():
        if key not in scores and c.na_allowed:
            scores[key] = {"score": None, "comment": ""}  # not rated in the other tool: N/A
    review = ReviewInput(
        id=raw.review_id, ticket_id=raw.ticket_id, reviewer=raw.reviewer, scores=scores, agent_id=raw.agent,
        conversation_id=raw.conversation_id, scorecard=card.scorecard.name, scorecard_version=card.scorecard.version,
        comment=raw.comment, root_cause=raw.root_cause, mystery=raw.mystery, created_at=raw.created_at,
    )
    try:
        return _checked_review(acc, review, card)
    except InvalidQuery as e:
        raise _AtLine("rating", str(e), raw.line) from None


# ---- sampling and the queue -----------------------------------------------------------------


def sample(
    store: Store, account: str, *, n: int, strategy: str, reviewers: Sequence[str] = (), seed: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Pick up to `n` tickets to review and store them as a review queue.

    Never a ticket the assigned reviewer (unassigned: anyone) already reviewed or has in
    the queue; the agents take turns (round robin, in the strategy's order within each
    agent), so each agent is spread over the sample; each ticket goes to the reviewer
    with the fewest so far who may take it."""
    if strategy not in STRATEGIES:
        raise InvalidQuery(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if not 1 <= n <= 10_000:
        raise InvalidQuery(f"--n {n}: pick between 1 and 10000 tickets")
    acc = store.account(account)
    assignees = [r.strip() for r in reviewers if r.strip()] or [""]
    rng = random.Random(seed)
    with store.engine.connect() as conn:
        candidates = stored.sample_candidates(conn, acc.id, strategy)
        skip = {a: stored.reviewed_tickets(conn, acc.id, a or None) | stored.queued_tickets(conn, acc.id, a)
                for a in assignees}
    if strategy == "random":
        rng.shuffle(candidates)
    else:
        candidates.sort(key=lambda c: (c[2], c[0]))
    per_agent: dict[str, list[str]] = defaultdict(list)
    for ticket, agent, _rank in candidates:
        per_agent[agent].append(ticket)
    agents = sorted(per_agent)
    rng.shuffle(agents)
    picked: list[dict] = []
    taken: set[str] = set()
    sample_id = uuid.uuid4().hex[:12]
    at = naive_utc(now or datetime.now(UTC))
    load = dict.fromkeys(assignees, 0)
    while len(picked) < n and any(per_agent[a] for a in agents):
        for agent in agents:
            if len(picked) >= n:
                break
            queue = per_agent[agent]
            while queue:
                ticket = queue.pop(0)
                if ticket in taken:
                    continue
                free = [a for a in assignees if ticket not in skip[a]]
                if not free:
                    continue
                assignee = min(free, key=lambda a: (load[a], assignees.index(a)))  # the least loaded reviewer
                load[assignee] += 1
                taken.add(ticket)
                picked.append({"ticket_id": ticket, "agent_id": agent, "assignee": assignee, "strategy": strategy,
                               "sample_id": sample_id, "created_at": at})
                break
    with store.engine.begin() as conn:
        stored.insert_queue(conn, acc.id, picked)
    return [{**p, "created_at": p["created_at"].replace(tzinfo=UTC)} for p in picked]


def review_queue(store: Store, account: str, *, assignee: str | None = None, pending_only: bool = False) -> list[dict]:
    """The review queue, oldest first; each item says whether it is done."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        return stored.queue_rows(conn, acc.id, assignee=assignee, pending_only=pending_only)


# ---- disputes -----------------------------------------------------------------------------


def open_dispute(store: Store, account: str, review_id: str, *, agent_id: str, comment: str,
                 now: datetime | None = None) -> dict:
    """The reviewed agent disagrees: a dispute shown beside the review until it is resolved.
    Only the review's agent may dispute it, once at a time, with a comment."""
    acc = store.account(account)
    if not comment.strip():
        raise InvalidQuery("comment: say what you disagree with — a dispute needs a comment")
    if len(comment) > MAX_TEXT:
        raise InvalidQuery(f"comment: longer than {MAX_TEXT} characters")
    with store.engine.begin() as conn:
        ref = stored.review_ref(conn, acc.id, review_id)
        if ref is None:
            raise NotFound(f"no review {review_id!r} in account {account!r}")
        row, agent, _reviewer = ref
        if agent_id != agent:
            raise InvalidQuery(f"agent_id: review {review_id!r} reviewed agent {agent!r}; only they may dispute it")
        if stored.open_dispute_of(conn, row) is not None:
            raise InvalidQuery(f"review {review_id!r} already has an open dispute; wait for the reviewer to resolve it")
        return _public_dispute(stored.insert_dispute(conn, account_id=acc.id, review_id=row, agent_id=agent,
                                                     comment=comment.strip(),
                                                     created_at=naive_utc(now or datetime.now(UTC))), review_id)


def resolve_dispute(store: Store, account: str, dispute_id: int, *, resolver: str, comment: str = "",
                    now: datetime | None = None) -> dict:
    """The reviewer answers a dispute and closes it."""
    acc = store.account(account)
    if not resolver.strip():
        raise InvalidQuery("resolver: name who resolves the dispute")
    if len(comment) > MAX_TEXT:
        raise InvalidQuery(f"comment: longer than {MAX_TEXT} characters")
    with store.engine.begin() as conn:
        d = stored.dispute(conn, acc.id, dispute_id)
        if d is None:
            raise NotFound(f"no dispute {dispute_id} in account {account!r}")
        if d["status"] != "open":
            raise InvalidQuery(f"dispute {dispute_id} is already resolved")
        stored.resolve_dispute(conn, dispute_id, resolver=resolver.strip(), comment=comment.strip(),
                               at=naive_utc(now or datetime.now(UTC)))
        review = stored.review_source(conn, d["review_row"])
        return _public_dispute(stored.dispute(conn, acc.id, dispute_id), review)


def _public_dispute(d: dict, review_id: str) -> dict:
    return {**{k: v for k, v in d.items() if k != "review_row"}, "review_id": review_id}
