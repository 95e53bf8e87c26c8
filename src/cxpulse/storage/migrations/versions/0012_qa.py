"""qa: scorecards, reviews with their per-criterion scores, the review queue, disputes
(issue 16), and a role on every API key (admin | account | reviewer | shopper).

Plain create_table and add_column, so the same script runs on SQLite and PostgreSQL.
Existing keys keep what they could do: admin keys become role "admin", the others "account".

Revision ID: 0012_qa
Revises: 0011_sync_leases
Create Date: 2026-12-06 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_qa"
down_revision = "0011_sync_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=False, server_default="account"))
    op.execute("UPDATE api_keys SET role = 'admin' WHERE admin")
    op.create_table(
        "qa_scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name", "version", name="uq_qa_scorecards_version"),
    )
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("root_cause", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("mystery", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["scorecard_id"], ["qa_scorecards.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "source_id", name="uq_qa_reviews_source"),
    )
    op.create_index("ix_qa_reviews_ticket", "qa_reviews", ["account_id", "ticket_id", "mystery"])
    op.create_index("ix_qa_reviews_day", "qa_reviews", ["account_id", "day"])
    op.create_table(
        "qa_review_scores",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["qa_reviews.id"]),
        sa.PrimaryKeyConstraint("review_id", "criterion"),
    )
    op.create_index("ix_qa_review_scores_account", "qa_review_scores", ["account_id", "criterion"])
    op.create_table(
        "qa_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("sample_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "ticket_id", "assignee", name="uq_qa_queue_ticket"),
    )
    op.create_table(
        "qa_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolver", sa.String(length=200), nullable=False),
        sa.Column("resolver_comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["qa_reviews.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_qa_disputes_review", "qa_disputes", ["review_id"])


def downgrade() -> None:
    op.drop_index("ix_qa_disputes_review", table_name="qa_disputes")
    op.drop_table("qa_disputes")
    op.drop_table("qa_queue")
    op.drop_index("ix_qa_review_scores_account", table_name="qa_review_scores")
    op.drop_table("qa_review_scores")
    op.drop_index("ix_qa_reviews_day", table_name="qa_reviews")
    op.drop_index("ix_qa_reviews_ticket", table_name="qa_reviews")
    op.drop_table("qa_reviews")
    op.drop_table("qa_scorecards")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("role")
