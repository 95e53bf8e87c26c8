"""qa_agreement: reviewer agreement counted on write (storage/qa_agreement.py), so
`report --metric qa-agreement` reads a few thousand rows instead of every score of the
tickets two reviewers scored.

The tables are filled from the reviews already stored, account by account, with the
counting the code does on write (`qa_agreement.count_rows`, pure: it takes plain rows read
here in SQL), so a database upgraded here reports the same figures at once.

Revision ID: 0017_qa_agreement
Revises: 0016_long_hold_days
Create Date: 2026-12-07 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_qa_agreement"
down_revision = "0016_long_hold_days"
branch_labels = None
depends_on = None

HEAD = [("grain", sa.String(length=16)), ("month", sa.Date()), ("agent_id", sa.String(length=200)),
        ("first_month", sa.Date()), ("last_month", sa.Date()), ("mystery", sa.Boolean()), ("mixed", sa.Boolean()),
        ("scale", sa.String(length=16)), ("criterion", sa.String(length=100))]
TAILS = {"qa_rollup_agreement": [("m", sa.Integer())],
         "qa_rollup_agreement_reviewers": [("reviewer", sa.String(length=200))]}
SUMS = {"qa_rollup_agreement": ["n", *[f"p{c}{k}" for c in range(5) for k in range(5) if c <= k]],
        "qa_rollup_agreement_reviewers": ["n"]}


def _columns(name: str) -> list[tuple[str, sa.types.TypeEngine]]:
    return [("account_id", sa.Integer()), *HEAD, *TAILS[name]]


def upgrade() -> None:
    for name in TAILS:
        keys = _columns(name)
        op.create_table(name, *[sa.Column(k, t, nullable=False) for k, t in keys],
                        *[sa.Column(s, sa.Integer(), nullable=False) for s in SUMS[name]],
                        sa.PrimaryKeyConstraint(*[k for k, _t in keys]))
    op.create_table(
        "qa_rollup_agreement_tickets",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("last_month", sa.Date(), nullable=False),
        sa.Column("mixed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "ticket_id"),
    )
    _fill(op.get_bind())


def _fill(conn) -> None:
    from cxpulse.storage.qa_agreement import count_rows, scales_of

    tables = {name: sa.table(name, *[sa.column(k, t) for k, t in _columns(name)],
                             *[sa.column(s, sa.Integer()) for s in SUMS[name]]) for name in TAILS}
    tickets = sa.table("qa_rollup_agreement_tickets", sa.column("account_id", sa.Integer()),
                       sa.column("ticket_id", sa.String()), sa.column("first_month", sa.Date()),
                       sa.column("last_month", sa.Date()), sa.column("mixed", sa.Boolean()))
    accounts = [a for (a,) in conn.execute(sa.text("SELECT DISTINCT account_id FROM qa_reviews ORDER BY 1"))]
    for aid in accounts:
        scales = scales_of(conn.execute(sa.text(
            "SELECT id, name, version, criteria FROM qa_scorecards WHERE account_id = :a"), {"a": aid}))
        rows = conn.execute(sa.text(
            "SELECT r.ticket_id, r.id, r.reviewer, r.agent_id, r.day, r.mystery, r.scorecard_id, s.criterion, s.score "
            "FROM qa_reviews r LEFT OUTER JOIN qa_review_scores s ON s.review_id = r.id "
            "WHERE r.account_id = :a AND r.ticket_id IN (SELECT ticket_id FROM qa_reviews WHERE account_id = :a "
            "GROUP BY ticket_id HAVING count(DISTINCT reviewer) >= 2) ORDER BY r.ticket_id, r.id"), {"a": aid})
        counted = count_rows(rows, scales)
        for name, counts in (("qa_rollup_agreement", counted.units), ("qa_rollup_agreement_reviewers",
                                                                        counted.reviewers)):
            keys = [k for k, _t in _columns(name)][1:]
            out = [{"account_id": aid, **dict(zip(keys, key)), **dict(zip(SUMS[name], v))} for key, v in counts.items()
                   if v[0]]
            for i in range(0, len(out), 10_000):
                conn.execute(tables[name].insert(), out[i : i + 10_000])
        if counted.tickets:
            conn.execute(tickets.insert(), [{"account_id": aid, "ticket_id": t, "first_month": f, "last_month": la,
                                             "mixed": m} for t, (f, la, m) in counted.tickets.items()])


def downgrade() -> None:
    op.drop_table("qa_rollup_agreement_tickets")
    op.drop_table("qa_rollup_agreement_reviewers")
    op.drop_table("qa_rollup_agreement")
