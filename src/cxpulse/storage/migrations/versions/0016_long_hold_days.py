"""accounts.long_hold_days: the at-risk list leaves out tickets on hold longer than this (issue 18 §7)

Tickets escalated months ago and still on hold led the at-risk list; they now sit in a tab
of their own past this many days (default 14, `cxpulse settings ACCOUNT --long-hold-days N`).
Plain add_column through batch_alter_table (SQLite and PostgreSQL); the server default
fills the accounts stored before.

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
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("long_hold_days", sa.Integer(), nullable=False, server_default="14"))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("long_hold_days")
