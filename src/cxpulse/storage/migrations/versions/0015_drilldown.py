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
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("ticket_url", sa.String(length=500), nullable=True))
    op.create_index("ix_responses_day", "responses", ["account_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_responses_day", table_name="responses")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("ticket_url")
