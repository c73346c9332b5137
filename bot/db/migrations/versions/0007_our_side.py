"""Our side's material: a check asked of our side only (the consultant self-check, run by
direct message), a partnership's optional internal channel, and when its lead last got
the weekly digest of reflections.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as table:
        table.add_column(
            sa.Column("ours_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("partnerships") as table:
        table.add_column(sa.Column("internal_channel_id", sa.String(32), nullable=True))
        table.add_column(sa.Column("digest_through", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partnerships") as table:
        table.drop_column("digest_through")
        table.drop_column("internal_channel_id")
    with op.batch_alter_table("checks") as table:
        table.drop_column("ours_only")
