"""The drill-down (issue 18): accounts.ticket_url, the help desk's page of a ticket ("{id}"
for its id), and an index of responses by account and day for the lists of one period's answers.

Revision ID: 0015_drilldown
Revises: 0014_employee
Create Date: 2026-12-07 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_drilldown"
down_revision = "0014_employee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("ticket_url", sa.String(length=500), nullable=True))
    op.create_index("ix_responses_day", "responses", ["account_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_responses_day", table_name="responses")
    # a plain DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of `accounts` would drop the
    # table every other table's foreign key points at
    op.drop_column("accounts", "ticket_url")
