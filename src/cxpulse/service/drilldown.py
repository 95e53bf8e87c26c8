"""What low-rated tickets have in common: the lowest-rated ones, and their words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cxpulse.domain import is_satisfied
from cxpulse.storage import Store
from cxpulse.storage import queries
from cxpulse.text import Term, overrepresented_terms


# A term's z from here up is unlikely to be chance (|z| > 1.96 at 5%): the Low ratings page
# shows only these, and says so when none reaches it
SIGNIFICANT_Z = 2.0


@dataclass
class Drilldown:
    low_rated: int
    rated: int
    tickets: list[dict]
    terms: list[Term]  # those at `min_z` or above, strongest first
    strongest: Term | None = None  # the strongest term of all, whatever its z: what a page names when none is kept


def low_ratings(
    store: Store, *, account: str | None = None, since: date | None = None, until: date | None = None,
    limit: int = 20, top_terms: int = 20, where: tuple[tuple[str, str], ...] = (), min_z: float = 0.0,
) -> Drilldown:
    """The lowest-rated tickets with comments, and the terms over-represented in low-rated
    tickets with z at `min_z` or above; `where` narrows to one agent, group, channel or
    category as a report does. Each ticket carries its agent's id (`agent`) and name
    (`agent_name`, "" when the help desk sent none)."""
    ids = (store.account(account).id,) if account else None
    names = {a.id: a.name for a in store.accounts()}
    with store.engine.connect() as conn:
        rated, customer_text = queries.rated_texts(conn, window=queries.Window(ids, since, until, where))
    low_docs, other_docs, low = [], [], []
    for row in rated:
        doc = " \n".join([row.subject, row.comment, *customer_text.get((row.account_id, row.ticket_id), [])])
        if is_satisfied(row.scale, row.score):
            other_docs.append(doc)
        else:
            low_docs.append(doc)
            low.append(row)
    low.sort(key=lambda r: (r.score if r.scale != "binary" else 1, -r.given_at.timestamp()))
    shown = low[:limit]
    with store.engine.connect() as conn:
        agent_names = queries.user_names(conn, {(r.account_id, r.assignee_id) for r in shown if r.assignee_id})
    tickets = [
        {
            "account": names.get(r.account_id, ""),
            "ticket_id": r.ticket_id,
            "score": r.score,
            "scale": r.scale,
            "given_at": r.given_at.isoformat(),
            "agent": r.assignee_id,
            "agent_name": agent_names.get((r.account_id, r.assignee_id), ""),
            "channel": r.channel,
            "subject": r.subject,
            "comment": r.comment,
            "reason": r.reason,
        }
        for r in shown
    ]
    terms = overrepresented_terms(low_docs, other_docs, top=top_terms) if low_docs and other_docs else []
    kept = [t for t in terms if t.z >= min_z]  # strongest first, so the top of the kept is the kept of the top
    return Drilldown(len(low_docs), len(rated), tickets, kept, terms[0] if terms else None)


def ticket_comments(store: Store, account: str, ticket_id: str) -> list[dict]:
    """Every answer of one ticket of `account` with its whole comment and reason, oldest
    first — what a list page links to when it shortens a long comment. Another account's
    ticket is simply not found here (an empty list)."""
    acc = store.account(account)
    with store.engine.connect() as conn:
        rows = queries.ticket_comments(conn, acc.id, ticket_id)
    return [{**x, "given_at": x["given_at"].isoformat()} for x in rows]


LOW_STARS = 2  # a review of 1–2 stars is low (as the low_rating webhook judges it)


@dataclass
class ReviewDrilldown:
    low_rated: int
    reviews: int
    low: list[dict]
    terms: list[Term]


def low_reviews(
    store: Store, *, account: str | None = None, since: date | None = None, until: date | None = None,
    source: str | None = None, language: str | None = None, limit: int = 20, top_terms: int = 20,
) -> ReviewDrilldown:
    """The latest 1–2-star public reviews, and the words and phrases over-represented in them
    against the 3–5-star ones: the same themes as for low-rated tickets, in every language
    cxpulse.text reads (each review's language picks its stems and stop words). `source` and
    `language` keep one source's or one language's reviews (the dashboard's Reviews page)."""
    from cxpulse.sentiment import sentiment
    from cxpulse.storage import reviews as review_store

    ids = (store.account(account).id,) if account else None
    names = {a.id: a.name for a in store.accounts()}
    with store.engine.connect() as conn:
        found = [r for r in review_store.reviews(conn, window=queries.Window(ids, since, until))
                 if (source is None or r.source == source) and (language is None or r.language == language)]
    low = sorted((r for r in found if r.score <= LOW_STARS), key=lambda r: (r.score, -r.given_at.timestamp()))
    low_docs = [r.comment for r in found if r.score <= LOW_STARS and r.comment]
    other_docs = [r.comment for r in found if r.score > LOW_STARS and r.comment]
    terms = overrepresented_terms(low_docs, other_docs, top=top_terms) if low_docs and other_docs else []
    shown = [
        {
            "account": names.get(r.account_id, ""),
            "review_id": r.source_id,
            "source": r.source,
            "score": r.score,
            "language": r.language,
            "given_at": r.given_at.isoformat(),
            "comment": r.comment,
            "sentiment": sentiment(r.comment, r.language),
            "reply": r.reply,
            "replied_at": r.replied_at.isoformat() if r.replied_at else None,
        }
        for r in low[:limit]
    ]
    return ReviewDrilldown(len(low), len(found), shown, terms)
