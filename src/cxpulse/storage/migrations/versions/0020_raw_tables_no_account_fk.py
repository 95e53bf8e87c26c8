"""The raw tables (users, tickets, ticket_events, responses) lose their foreign key to
accounts. Their rows are written only by code that stored the account first, and accounts
are never deleted, so the key guarded nothing; on PostgreSQL its check, a lookup of the
account per inserted row, cost ~40% of a bulk insert (1M rows: 8.9 s with it, 5.3 s
without; docs/postgres.md). SQLite rebuilds the four tables (its ALTER TABLE cannot drop
a constraint): once, a few seconds per million rows.

Revision ID: 0020_raw_tables_no_account_fk
Revises: 0019_key_language
Create Date: 2026-12-07 07:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_raw_tables_no_account_fk"
down_revision = "0019_key_language"
branch_labels = None
depends_on = None

TABLES = ("users", "tickets", "ticket_events", "responses")
# SQLite's foreign keys have no names: batch mode names them by this convention to drop them
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        if bind.dialect.name == "sqlite":
            with op.batch_alter_table(table, naming_convention=NAMING) as batch:
                batch.drop_constraint(f"fk_{table}_account_id_accounts", type_="foreignkey")
            continue
        for fk in sa.inspect(bind).get_foreign_keys(table):
            if fk["referred_table"] == "accounts":
                op.drop_constraint(fk["name"], table, type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_account_id_accounts", "accounts", ["account_id"], ["id"])
