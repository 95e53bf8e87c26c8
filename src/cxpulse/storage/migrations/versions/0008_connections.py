"""connections: the help desk API an account syncs from (issue 15)

One row per account: the help desk kind (zendesk | freshdesk), its base URL, the agent
email (Zendesk) and the token as given, the sync's cursor (JSON), when it last synced and
its last error. Plain create_table, so the same script runs on SQLite and PostgreSQL.

Revision ID: 0008_connections
Revises: 0007_crashsafe
Create Date: 2026-12-06 21:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_connections"
down_revision = "0007_crashsafe"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", name="uq_connections_account"),
    )


def downgrade() -> None:
    op.drop_table("connections")
