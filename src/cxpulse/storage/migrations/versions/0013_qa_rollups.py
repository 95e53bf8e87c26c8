"""qa_rollups: the QA reports' sums and counts per month (storage/qa_rollups.py), so an IQS
report over a million reviews reads thousands of rows instead of eight million.

The tables are filled from the reviews already stored, in plain SQL per dialect (the month
of a day is spelled differently), so a database upgraded here reports the same figures at once.

Revision ID: 0013_qa_rollups
Revises: 0012_qa
Create Date: 2026-12-06 23:55:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_qa_rollups"
down_revision = "0012_qa"
branch_labels = None
depends_on = None

CRITERION_TABLES = (("qa_rollup_criterion_month", ()), ("qa_rollup_criterion_agent", ("agent_id",)))


def _criterion_table(name: str, *dims: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *dims,
        sa.Column("mystery", sa.Boolean(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "month", *[d.name for d in dims], "mystery", "scorecard_id",
                                "criterion", "score"),
    )


def upgrade() -> None:
    op.create_table(
        "qa_rollup_month_agent",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("mystery", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("total_sq", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "month", "agent_id", "mystery"),
    )
    _criterion_table("qa_rollup_criterion_month")
    _criterion_table("qa_rollup_criterion_agent", sa.Column("agent_id", sa.String(length=200), nullable=False))
    month = ("date(r.day, 'start of month')" if op.get_bind().dialect.name == "sqlite"
             else "CAST(date_trunc('month', r.day) AS DATE)")
    op.execute(
        "INSERT INTO qa_rollup_month_agent (account_id, month, agent_id, mystery, n, total, total_sq) "
        f"SELECT r.account_id, {month}, r.agent_id, r.mystery, count(*), sum(r.score), sum(r.score * r.score) "
        f"FROM qa_reviews r WHERE r.score IS NOT NULL GROUP BY r.account_id, {month}, r.agent_id, r.mystery")
    for name, dims in CRITERION_TABLES:
        extra = "".join(f", r.{d}" for d in dims)
        op.execute(
            f"INSERT INTO {name} (account_id, month{''.join(', ' + d for d in dims)}, mystery, scorecard_id, "
            "criterion, score, n) "
            f"SELECT r.account_id, {month}{extra}, r.mystery, r.scorecard_id, s.criterion, s.score, count(*) "
            "FROM qa_reviews r JOIN qa_review_scores s ON s.review_id = r.id WHERE s.score IS NOT NULL "
            f"GROUP BY r.account_id, {month}{extra}, r.mystery, r.scorecard_id, s.criterion, s.score")


def downgrade() -> None:
    op.drop_table("qa_rollup_criterion_agent")
    op.drop_table("qa_rollup_criterion_month")
    op.drop_table("qa_rollup_month_agent")
