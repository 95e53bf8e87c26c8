"""What the dashboard overview's first render reads, made cheap.

rollup_day_account: the survey counts per account and day, without rollup_day's channel
and group (~6× fewer rows at 10M responses). A year ending today is never month-aligned:
its ragged days were read from rollup_day, ~35,000 rows for 24 days of the largest account
at 10M responses (~35 ms a read, three reads an overview); they are read from here now.
Filled from rollup_day, which holds the same counts split by channel and group.

ix_kpis_solved_day (account_id, solved_day): the tickets solved in a period (the
resolution rate's numerator) were counted by reading every ticket of the account; at
1.46M tickets 137 ms a period, 34 ms with this index (an index-only range).

Revision ID: 0021_overview_reads
Revises: 0020_raw_tables_no_account_fk
Create Date: 2026-12-07 07:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_overview_reads"
down_revision = "0020_raw_tables_no_account_fk"
branch_labels = None
depends_on = None

KEYS = ("day", "kind", "scale", "attribute", "score", "importance")
# as 0018 set for the other rollups: vacuumed after 1–2% of the rows changed (PostgreSQL)
SETTINGS = "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01, " \
           "autovacuum_analyze_scale_factor = 0.02"


def upgrade() -> None:
    op.create_table(
        "rollup_day_account",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("scale", sa.String(length=8), nullable=False),
        sa.Column("attribute", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("importance", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", *KEYS),
    )
    keys = ", ".join(KEYS)
    op.execute(f"INSERT INTO rollup_day_account (account_id, {keys}, n) "
               f"SELECT account_id, {keys}, SUM(n) FROM rollup_day GROUP BY account_id, {keys}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE rollup_day_account SET ({SETTINGS})")
        op.execute("ANALYZE rollup_day_account")
    op.create_index("ix_kpis_solved_day", "ticket_kpis", ["account_id", "solved_day"])


def downgrade() -> None:
    op.drop_index("ix_kpis_solved_day", table_name="ticket_kpis")
    op.drop_table("rollup_day_account")
