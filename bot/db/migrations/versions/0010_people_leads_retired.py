"""A person's name as Slack gave it (for exports), practice leads, and retired questions.

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_people")),
    )
    op.create_table(
        "practice_leads",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_practice_leads")),
    )
    op.create_index("ix_practice_leads_user_id", "practice_leads", ["user_id"])
    op.create_table(
        "retired_questions",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=60), nullable=False),
        sa.Column("retired_by", sa.String(length=32), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "question_id", name=op.f("pk_retired_questions")),
    )
    # retention of closed checks reads them by when they closed
    op.create_index("ix_checks_closed_at", "checks", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_checks_closed_at", table_name="checks")
    op.drop_table("retired_questions")
    op.drop_index("ix_practice_leads_user_id", table_name="practice_leads")
    op.drop_table("practice_leads")
    op.drop_table("people")
