"""Test contacts: tickets a mystery shopper opened and then scored (a review flagged
`mystery`, storage/qa.py). The customer was not real, so these tickets are kept out of
every CSAT, CES and NPS count (the rollups and the raw queries) and out of the
prediction's training data and context — through `not_test_contact`, the one clause.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from cxpulse.storage import tables

R = tables.qa_reviews


def not_test_contact(account_col, ticket_col):
    """True where the ticket is no test contact: no mystery review names it."""
    return ~select(R.c.id).where(R.c.account_id == account_col, R.c.ticket_id == ticket_col,
                                 R.c.mystery.is_(True)).exists()


def test_contacts(conn: Connection, account_id: int) -> set[str]:
    """The account's tickets that a mystery review marks as test contacts."""
    q = select(R.c.ticket_id).distinct().where(R.c.account_id == account_id, R.c.mystery.is_(True))
    return {t for (t,) in conn.execute(q)}
