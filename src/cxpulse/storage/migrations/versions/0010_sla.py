"""sla: SLA policy sets per account, and each ticket's SLA targets (issue 16 §1)

`sla_policy_sets`: an account's ordered policies (JSON) holding from `effective_from` on.
`tickets.tags`: the help desk's tags, space-separated (policies match on them).
`ticket_sla`: derived, one row per target of a ticket (met | breached | running), rebuilt
with the KPIs. Plain create_table, so the same script runs on SQLite and PostgreSQL.

Revision ID: 0010_sla
Revises: 0009_reviews
Create Date: 2026-12-06 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_sla"
down_revision = "0009_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_policy_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(), nullable=False),
        sa.Column("policies", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "effective_from", name="uq_sla_policy_sets_from"),
    )
    op.create_table(
        "ticket_sla",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("target_minutes", sa.Float(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("breached_at", sa.DateTime(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("elapsed_minutes", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "ticket_id", "kind", "seq"),
    )
    op.create_index("ix_ticket_sla_deadline", "ticket_sla", ["account_id", "status", "deadline"])
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("tags")
    op.drop_index("ix_ticket_sla_deadline", table_name="ticket_sla")
    op.drop_table("ticket_sla")
    op.drop_table("sla_policy_sets")
