"""Indexes for the summary.

- ix_answers_choices holds the picked options (values of at most 40 characters) by question
  and side, so they are counted without visiting the answers.
- ix_answers_given lists who answered, person by person, so people are counted per side and
  dimension in one pass.
- ix_answers_comments holds the commented answers of a check in the order a summary lists
  them, so it reads the first few of each question without visiting every answer.
- ix_checks_partnership_created finds a partnership's checks in time order.
- ix_answers_check_id goes: the unique constraint's index starts with check_id.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# as bot.db.models has them when this is written
HAS_COMMENT = "comment != ''"
HAS_VALUE = "value IS NOT NULL"
IS_CHOICE = "length(value) <= 40"


def upgrade() -> None:
    op.drop_index("ix_answers_check_id", table_name="answers")
    op.create_index(
        "ix_answers_choices",
        "answers",
        ["check_id", "question_version_id", "side", "value"],
        sqlite_where=sa.text(IS_CHOICE),
        postgresql_where=sa.text(IS_CHOICE),
    )
    op.create_index(
        "ix_answers_given",
        "answers",
        ["check_id", "side", "user_id", "question_version_id"],
        sqlite_where=sa.text(HAS_VALUE),
        postgresql_where=sa.text(HAS_VALUE),
    )
    op.create_index(
        "ix_answers_comments",
        "answers",
        ["check_id", "question_version_id", "side", "user_id"],
        sqlite_where=sa.text(HAS_COMMENT),
        postgresql_where=sa.text(HAS_COMMENT),
    )
    op.create_index("ix_checks_partnership_created", "checks", ["partnership_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_checks_partnership_created", table_name="checks")
    op.drop_index("ix_answers_comments", table_name="answers")
    op.drop_index("ix_answers_given", table_name="answers")
    op.drop_index("ix_answers_choices", table_name="answers")
    op.create_index("ix_answers_check_id", "answers", ["check_id"])
