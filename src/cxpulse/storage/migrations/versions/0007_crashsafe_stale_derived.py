"""stale derived data: what an import made stale, kept until it is derived again

Issue 13 §1: a killed import left KPIs and rollups missing, and a re-run, which changes
no raw row, never derived them. `stale_derived` holds one row per ticket (its KPIs, the
days of its responses), local day (its rollups) or account (everything of it) whose
derived data is behind the raw rows, each new rating of an import or API batch not yet
offered to the account's webhooks, and each ticket it changed not yet scored again (in an
account with a model); the rows are written with the raw rows and deleted
with the derived rows (the queued deliveries), each in one transaction.

A database from before this revision may hold the leftovers of such a crash, and nothing
says where: every existing account is marked stale once, so the next import, API refresh
or `cxpulse rebuild` derives each account in full, once.
Plain create_table/create_index, so the same script runs on SQLite and PostgreSQL.

Revision ID: 0007_crashsafe
Revises: 0006_surveys_ci
Create Date: 2026-12-06 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_crashsafe"
down_revision = "0006_surveys_ci"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stale_derived",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("response_id", sa.String(length=200), nullable=True),
        sa.Column("rescore_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stale_derived_account", "stale_derived", ["account_id", "id"], unique=False)
    op.execute("INSERT INTO stale_derived (account_id) SELECT id FROM accounts")


def downgrade() -> None:
    op.drop_index("ix_stale_derived_account", table_name="stale_derived")
    op.drop_table("stale_derived")
