"""public reviews: a response of kind "review" keeps its language and the company's reply (issue 17 §2)

A review imported from an app store, Trustpilot or Google Business Profile is a response
of kind "review" (stars 1–5 on the 1-5 scale, its source in `channel`, its title and text
in `comment`); it also keeps the text's language and the company's public reply with its
time, which the reply-rate and reply-time KPIs of the review channel count. Survey answers
leave them empty. Plain add_column through batch_alter_table (SQLite and PostgreSQL); the
server defaults fill the rows stored before.

Revision ID: 0009_reviews
Revises: 0008_connections
Create Date: 2026-12-06 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_reviews"
down_revision = "0008_connections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("replied_at")
        batch_op.drop_column("reply")
        batch_op.drop_column("language")
