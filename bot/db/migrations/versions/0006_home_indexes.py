"""Indexes for the App Home: the checks a person led, and the checks a person took part in,
so "your partnerships" does not read every check.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checks_lead_user_id", "checks", ["lead_user_id"])
    op.create_index("ix_participants_user_id", "participants", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_participants_user_id", table_name="participants")
    op.drop_index("ix_checks_lead_user_id", table_name="checks")
