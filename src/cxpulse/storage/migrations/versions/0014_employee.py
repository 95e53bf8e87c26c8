"""employee surveys (issue 17 §1): definitions, invitations per agent and round, and
anonymous answers (no agent, no invitation, the day only, a random key).

Plain create_table, so the same script runs on SQLite and PostgreSQL.

Revision ID: 0014_employee
Revises: 0013_qa_rollups
Create Date: 2026-12-06 23:55:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_employee"
down_revision = "0013_qa_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employee_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name", name="uq_employee_surveys_name"),
    )
    op.create_table(
        "employee_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("tenure", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["survey_id"], ["employee_surveys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_id", "period", "agent_id", name="uq_employee_invitations_round"),
    )
    op.create_table(
        "employee_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("enps", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("tenure", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["survey_id"], ["employee_surveys.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_employee_answers_survey", "employee_answers", ["account_id", "survey_id", "period"])


def downgrade() -> None:
    op.drop_index("ix_employee_answers_survey", table_name="employee_answers")
    op.drop_table("employee_answers")
    op.drop_table("employee_invitations")
    op.drop_table("employee_surveys")
