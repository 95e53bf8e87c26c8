"""The dashboard's language per key (issue 18): api_keys.language, the language a key's user
picked in the dashboard's header (en, ru, el, lt); NULL follows the browser's Accept-Language.

Revision ID: 0019_key_language
Revises: 0018_pg_rollup_autovacuum
Create Date: 2026-12-07 02:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_key_language"
down_revision = "0018_pg_rollup_autovacuum"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("language")
