"""scheduled_messages.attempted_at: when the last chat.postMessage for a row left, so an
unclear failure can be checked against the DM's history around that moment.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.drop_column("attempted_at")
