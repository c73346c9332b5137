"""partnerships.our_org_name and client_org_name: summaries name each side by organisation.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partnerships") as batch:
        batch.add_column(sa.Column("our_org_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("client_org_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partnerships") as batch:
        batch.drop_column("client_org_name")
        batch.drop_column("our_org_name")
