"""PostgreSQL only: vacuum and analyse the rollups after 1–2% of their rows changed, not the
default 20%. Every import recounts the months it touched (delete, insert); until a vacuum
marks those pages all-visible again, the reports' index-only scans read the heap for every
row (measured at 10M responses: the overview 264 → 133 ms after a vacuum; docs/postgres.md).
SQLite has no autovacuum settings: nothing to do there.

Revision ID: 0018_pg_rollup_autovacuum
Revises: 0017_qa_agreement
Create Date: 2026-12-07 02:40:00
"""
from alembic import op

revision = "0018_pg_rollup_autovacuum"
down_revision = "0017_qa_agreement"
branch_labels = None
depends_on = None

TABLES = ("rollup_day", "rollup_month_agent", "rollup_month_category", "qa_rollup_month_agent",
          "qa_rollup_criterion_agent", "qa_rollup_criterion_month", "qa_rollup_agreement", "ticket_kpis")
SETTINGS = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_insert_scale_factor",
            "autovacuum_analyze_scale_factor")
VALUES = ("0.01", "0.01", "0.02")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        pairs = ", ".join(f"{k} = {v}" for k, v in zip(SETTINGS, VALUES))
        op.execute(f"ALTER TABLE {table} SET ({pairs})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET ({', '.join(SETTINGS)})")
