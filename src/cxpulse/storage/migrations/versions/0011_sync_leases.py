"""sync_leases: one sync of an account's connection at a time, across processes (issue 15)

`cxpulse serve` syncs every connection on a schedule while `cxpulse sync` may run from a
shell or cron: each takes the account's lease first (a row here), renews it while it
runs, and deletes it at the end. A process killed mid-sync leaves its lease to expire.
Plain create_table, so the same script runs on SQLite and PostgreSQL.

Revision ID: 0011_sync_leases
Revises: 0010_sla
Create Date: 2026-12-06 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_sync_leases"
down_revision = "0010_sla"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_leases",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("sync_leases")
