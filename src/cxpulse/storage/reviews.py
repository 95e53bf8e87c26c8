"""Stored public reviews (responses of kind "review"): what their figures, themes and
sentiment are computed from. Reviews are few beside survey answers (an app's thousands a
year), so they are read from the raw rows, grouped by their own keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from cxpulse.domain import InvalidQuery
from cxpulse.storage import tables
from cxpulse.storage.queries import TIME_KEYS, Window, window_conds, group_labels
from cxpulse.storage.rows import aware_utc

REVIEW_BY = ("account", "source", "language", "day", "week", "month")
KIND = "review"


@dataclass(frozen=True, slots=True)
class StoredReview:
    group: tuple[str, ...]  # the --by labels
    account_id: int
    source_id: str
    source: str
    language: str
    score: int
    given_at: datetime
    comment: str
    reply: str
    replied_at: datetime | None


def check_review_by(by: Sequence[str]) -> None:
    bad = [k for k in by if k not in REVIEW_BY]
    if bad:
        raise InvalidQuery(f"reviews are grouped by {', '.join(REVIEW_BY)}, not by {bad[0]!r}")
    if len([k for k in by if k in TIME_KEYS]) > 1:
        raise InvalidQuery("--by takes at most one of day, week, month")


def reviews(conn: Connection, *, by: Sequence[str] = (), window: Window) -> Iterator[StoredReview]:
    """Every review in the window (by local day) with its --by labels."""
    check_review_by(by)
    r = tables.responses.c
    cols = {"account": r.account_id, "source": r.channel, "language": r.language}
    group_cols = [cols[k] if k not in TIME_KEYS else r.day for k in by]
    q = select(*group_cols, r.account_id, r.source_id, r.channel, r.language, r.score, r.given_at, r.comment,
               r.reply, r.replied_at).where(r.kind == KIND, *window_conds(r.account_id, r.day, window, "raw"))
    for row in conn.execute(q):
        n = len(by)
        aid, sid, source, lang, score, given, comment, reply, replied = row[n:]
        yield StoredReview(group_labels(by, row), aid, sid, source, lang, int(score), aware_utc(given), comment,
                           reply, aware_utc(replied))
