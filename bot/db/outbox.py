"""The scheduled-message outbox: every message the app sends on its own is a row here.

status: pending → claimed → sending → sent; or failed; or cancelled. After an unclear
failure (timeout, dropped connection): sending → unsure → checking → sent (it landed),
pending (it did not: a normal retry), failed, or unsure again (the check itself failed).

- enqueue: insert-or-ignore on dedupe_key, so a message can never be queued twice.
- claim_due: PostgreSQL picks rows with SELECT … FOR UPDATE SKIP LOCKED, so two
  processes never pick the same row; on both databases the claim itself is an UPDATE
  that only succeeds while the row is still pending (compare-and-set).
- Every later transition is a compare-and-set on (status, claimed_by): a worker that lost
  its claim (lease expired, meeting moved or cancelled) can change nothing.
- A stale claimed row goes back to pending. A stale sending row (its worker stopped during
  the send) is never resent blindly: it goes to unsure, like any unclear failure, so Slack
  is asked whether it landed. A stale checking row goes back to unsure (a check can always
  be repeated).

The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ScheduledMessage
from bot.db.upsert import insert_for

STOPPED_DURING_SEND = "the app stopped during the send; asking Slack whether it arrived"
ERROR_MAX = 500


async def enqueue(
    *,
    session: AsyncSession,
    kind: str,
    dedupe_key: str,
    due_at: datetime,
    now: datetime,
    team_id: str | None = None,
    user_id: str | None = None,
    channel_id: str | None = None,
    reference_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Queue one message; False when a row with this dedupe_key already exists."""
    result = await session.execute(
        insert_for(session, ScheduledMessage)
        .values(
            kind=kind,
            dedupe_key=dedupe_key,
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            reference_id=reference_id,
            payload=payload,
            due_at=due_at,
            status="pending",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return (result.rowcount or 0) > 0


async def claim_due(
    *, session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[ScheduledMessage]:
    """Claim up to `limit` due pending rows for `worker`, oldest due first."""
    eligible = (ScheduledMessage.status == "pending") & (ScheduledMessage.due_at <= now)
    return await _claim(
        session, eligible, status="claimed", worker=worker, now=now, lease=lease, limit=limit
    )


async def _claim(
    session: AsyncSession,
    eligible: ColumnElement[bool],
    *,
    status: str,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> list[ScheduledMessage]:
    """Compare-and-set up to `limit` eligible rows to `status` for `worker`; the rows won.

    PostgreSQL skips rows another worker has locked; on SQLite the update takes the write
    lock before it reads, so it is atomic. A row taken by someone else in between simply
    no longer matches `eligible`.
    """
    candidates = (
        select(ScheduledMessage.id)
        .where(eligible)
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        # picked first, in a statement of its own: as a subquery of the UPDATE, PostgreSQL
        # may run it more than once, and each run skips the rows the last one locked, so
        # one claim could take many times `limit` rows
        picked = (await session.scalars(candidates.with_for_update(skip_locked=True))).all()
        if not picked:
            return []
        candidates = select(ScheduledMessage.id).where(ScheduledMessage.id.in_(picked))
    claimed = (
        await session.scalars(
            update(ScheduledMessage)
            .where(ScheduledMessage.id.in_(candidates), eligible)
            .values(status=status, claimed_by=worker, lease_until=now + lease, updated_at=now)
            .returning(ScheduledMessage.id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not claimed:
        return []
    rows = await session.scalars(
        select(ScheduledMessage)
        .where(ScheduledMessage.id.in_(claimed))
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def mark_sending_many(
    *, session: AsyncSession, row_ids: Sequence[int], worker: str, now: datetime, lease: timedelta
) -> set[int]:
    """claimed → sending, right before the Web API calls, for several rows in one statement;
    returns the ids still ours (the others' claims were lost)."""
    if not row_ids:
        return set()
    marked = await session.scalars(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.id.in_(row_ids),
            ScheduledMessage.status == "claimed",
            ScheduledMessage.claimed_by == worker,
        )
        .values(
            status="sending",
            attempts=ScheduledMessage.attempts + 1,
            lease_until=now + lease,
            attempted_at=now,
            updated_at=now,
        )
        .returning(ScheduledMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(marked.all())


async def mark_sent_many(
    *,
    session: AsyncSession,
    row_ids: Sequence[int],
    worker: str,
    now: datetime,
    was: str = "sending",
) -> set[int]:
    """sending (or checking: it landed) → sent for several rows in one statement; returns
    the ids recorded."""
    if not row_ids:
        return set()
    marked = await session.scalars(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.id.in_(row_ids),
            ScheduledMessage.status == was,
            ScheduledMessage.claimed_by == worker,
        )
        .values(
            status="sent",
            sent_at=now,
            last_error=None,
            claimed_by=None,
            lease_until=None,
            updated_at=now,
        )
        .returning(ScheduledMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(marked.all())


async def mark_failed(
    *, session: AsyncSession, row_id: int, worker: str, now: datetime, error: str, was: str
) -> bool:
    """sending (or still claimed, when we gave up before calling) → failed with the error."""
    return await _finish(
        session, row_id, worker, was, status="failed", last_error=error[:ERROR_MAX], updated_at=now
    )


async def reschedule(
    *,
    session: AsyncSession,
    row_id: int,
    worker: str,
    now: datetime,
    due_at: datetime,
    was: str,
    error: str | None = None,
) -> bool:
    """Back to pending for a later try (outside working hours, 429, a retryable error)."""
    values: dict[str, Any] = {"status": "pending", "due_at": due_at, "updated_at": now}
    if error is not None:
        values["last_error"] = error[:ERROR_MAX]
    return await _finish(session, row_id, worker, was, **values)


async def mark_unsure(
    *,
    session: AsyncSession,
    row_id: int,
    worker: str,
    now: datetime,
    check_at: datetime,
    was: str,
    error: str,
    count_attempt: bool = False,
) -> bool:
    """sending (an unclear failure) or checking (the check failed) → unsure: ask Slack
    whether it landed at `check_at`. Never pending: only a negative answer allows a resend.
    `count_attempt` counts a failed check against the row's attempts."""
    values: dict[str, Any] = {
        "status": "unsure",
        "due_at": check_at,
        "last_error": error[:ERROR_MAX],
        "updated_at": now,
    }
    if count_attempt:
        values["attempts"] = ScheduledMessage.attempts + 1
    return await _finish(session, row_id, worker, was, **values)


async def claim_unsure(
    *, session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[ScheduledMessage]:
    """Claim unsure rows due for a check (and checks a stopped worker left) → checking."""
    eligible = ((ScheduledMessage.status == "unsure") & (ScheduledMessage.due_at <= now)) | (
        (ScheduledMessage.status == "checking") & (ScheduledMessage.lease_until < now)
    )
    return await _claim(
        session, eligible, status="checking", worker=worker, now=now, lease=lease, limit=limit
    )


async def cancel_claimed(
    *, session: AsyncSession, row_id: int, worker: str, now: datetime, reason: str
) -> bool:
    """A claimed row that must not be sent any more (answered, skipped, opted out)."""
    return await _finish(
        session,
        row_id,
        worker,
        "claimed",
        status="cancelled",
        last_error=reason[:ERROR_MAX],
        updated_at=now,
    )


async def release(
    *, session: AsyncSession, row_ids: Sequence[int], worker: str, now: datetime
) -> int:
    """Give claimed rows back untouched (e.g. the workspace was told to wait)."""
    if not row_ids:
        return 0
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.id.in_(row_ids),
            ScheduledMessage.status == "claimed",
            ScheduledMessage.claimed_by == worker,
        )
        .values(status="pending", claimed_by=None, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


async def recover_stale(*, session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Expired claims → pending; expired sends → unsure, to be checked now. Returns both
    counts."""
    returned = await session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.status == "claimed", ScheduledMessage.lease_until < now)
        .values(status="pending", claimed_by=None, lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    interrupted = await session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.status == "sending", ScheduledMessage.lease_until < now)
        .values(
            status="unsure",
            due_at=now,
            claimed_by=None,
            lease_until=None,
            last_error=STOPPED_DURING_SEND,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return max(returned.rowcount or 0, 0), max(interrupted.rowcount or 0, 0)


async def cancel_for_user(
    *, session: AsyncSession, user_id: str, kinds: Sequence[str], now: datetime, reason: str
) -> int:
    """Every pending or claimed message of these kinds to this person → cancelled."""
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.user_id == user_id,
            ScheduledMessage.kind.in_(kinds),
            ScheduledMessage.status.in_(("pending", "claimed")),
        )
        .values(
            status="cancelled", claimed_by=None, lease_until=None, last_error=reason, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


async def _finish(session: AsyncSession, row_id: int, worker: str, was: str, **values: Any) -> bool:
    if values.get("status") != "claimed":
        values.setdefault("claimed_by", None)
        values.setdefault("lease_until", None)
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.id == row_id,
            ScheduledMessage.status == was,
            ScheduledMessage.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) == 1


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def due_now(*, session: AsyncSession, now: datetime) -> tuple[int, datetime | None]:
    """How many rows are due and not sent yet (pending, claimed or being sent), and the
    oldest due_at among them."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(ScheduledMessage.due_at)).where(
                ScheduledMessage.status.in_(("pending", "claimed", "sending")),
                ScheduledMessage.due_at <= now,
            )
        )
    ).one()
    return int(count), oldest
