"""due dates: a ticket's promised resolution time, and its outcome in the KPIs

Issue 11 ("Real data in"): `tickets.due_at` holds the latest promise made to the
customer (an order's delivery estimate, a due date, an SLA deadline); `ticket_kpis`
keeps the promise as of the ticket's end and the exact solve time, so a report can tell
on time from late (overdue_rate, overdue_minutes, csat_by_due). Derived rows are filled
by `cxpulse rebuild`.
Plain add_column through batch_alter_table, so the same script runs on SQLite and PostgreSQL.

Also: a Zendesk survey offered on a ticket is one invitation per ticket,
`zd-offered-<ticket_id>` (an offered rating often has no id of its own). Invitations an
earlier version stored as `zd-rating-<rating_id>` are renamed so, or a re-import of the
same export would count those surveys twice; a ticket with both keeps one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM invitations WHERE source_id LIKE 'zd-rating-%' AND ticket_id <> '' AND ("
        " EXISTS (SELECT 1 FROM invitations o WHERE o.account_id = invitations.account_id"
        "  AND o.source_id = 'zd-offered-' || invitations.ticket_id)"
        " OR EXISTS (SELECT 1 FROM invitations o WHERE o.account_id = invitations.account_id"
        "  AND o.ticket_id = invitations.ticket_id AND o.source_id LIKE 'zd-rating-%' AND o.id < invitations.id))"
    )
    op.execute(
        "UPDATE invitations SET source_id = 'zd-offered-' || ticket_id"
        " WHERE source_id LIKE 'zd-rating-%' AND ticket_id <> ''"
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("ticket_kpis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("solved_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_kpis", schema=None) as batch_op:
        batch_op.drop_column("solved_at")
        batch_op.drop_column("due_at")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("due_at")
