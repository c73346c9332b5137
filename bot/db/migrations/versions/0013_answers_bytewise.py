"""answers.side and answers.user_id compared bytewise on PostgreSQL (COLLATE "C"), as SQLite
compares them already.

The summary lists each question's first comments by side, then person, bytewise (as Python
orders strings); ix_answers_comments, in the columns' collation, can then hand them over in
that order, so the summary reads a few entries per question instead of every comment and
sorting them. The indexes on these columns are rebuilt. Nothing changes on SQLite.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = (("user_id", 32), ("side", 8))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in COLUMNS:
        op.alter_column(
            "answers",
            column,
            type_=sa.String(length, collation="C"),
            existing_type=sa.String(length),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in COLUMNS:
        op.alter_column(
            "answers",
            column,
            type_=sa.String(length),
            existing_type=sa.String(length, collation="C"),
            existing_nullable=False,
        )
