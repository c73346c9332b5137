"""meetings.cancelled_by: who cancelled or deleted a meeting, "calendar" when its feed did.

A calendar feed may bring back a meeting it cancelled, never one a person cancelled. Meetings
cancelled before this column existed are attributed from their cancellation signal.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("cancelled_by", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    signals = sa.table(
        "signals",
        sa.column("meeting_id", sa.Integer),
        sa.column("kind"),
        sa.column("detail", sa.JSON),
    )
    meetings = sa.table(
        "meetings", sa.column("id", sa.Integer), sa.column("status"), sa.column("cancelled_by")
    )
    by_feed = [
        meeting_id
        for meeting_id, detail in connection.execute(
            sa.select(signals.c.meeting_id, signals.c.detail).where(
                signals.c.kind == "meeting_cancelled", signals.c.meeting_id.is_not(None)
            )
        )
        if (detail or {}).get("source") == "calendar"
    ]
    if by_feed:
        connection.execute(
            meetings.update()
            .where(meetings.c.id.in_(by_feed), meetings.c.status == "cancelled")
            .values(cancelled_by="calendar")
        )


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("cancelled_by")
