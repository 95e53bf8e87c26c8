"""survey clicks: tell a mail link scanner's burst from the customer (issue 13 §6)

A scanner fetches every score link of an email within a second or two; the first fetch
used to be stored as the answer and the customer's own click was then refused. An
invitation now keeps the first click's score (`clicked_score`), when a burst of
different scores was seen (`scanner_until`: clicks before it are the scanner's, nothing
is stored), and when the customer posted the page's form (`confirmed_at`: a person,
whatever the timing). Plain add_column through batch_alter_table (SQLite and PostgreSQL).

Revision ID: 0006_surveys_ci
Revises: 0005
Create Date: 2026-12-06 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_surveys_ci"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clicked_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scanner_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("scanner_until")
        batch_op.drop_column("clicked_score")
