"""accounts.long_hold_days: the at-risk list leaves out tickets on hold longer than this (issue 18 §7)

Tickets escalated months ago and still on hold led the at-risk list; they now sit in a tab
of their own past this many days (default 14, `cxpulse settings ACCOUNT --long-hold-days N`).
Plain add_column (SQLite and PostgreSQL); the server default fills the accounts stored before.

Revision ID: 0016_long_hold_days
Revises: 0015_drilldown
Create Date: 2026-12-07 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_long_hold_days"
down_revision = "0015_drilldown"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("long_hold_days", sa.Integer(), nullable=False, server_default="14"))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of `accounts` would drop the
    # table every other table's foreign key points at
    op.drop_column("accounts", "long_hold_days")
