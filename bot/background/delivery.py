"""The dispatcher: sends due rows of the outbox, each at most once.

One `run_once()` per tick:
1. expired claims go back to pending; expired sends (a worker stopped) become unsure;
   rows whose send ended unclearly and are due for a check are claimed and checked;
2. claim a batch of due rows (compare-and-set; SKIP LOCKED on PostgreSQL);
3. look up unknown time zones, then decide per row: send, wait (outside working hours,
   workspace told to wait), or drop (answered, skipped, opted out, meeting cancelled;
   a digest with nothing new). Reflection rows are decided by bot.usecases.nudges, the
   lead's weekly digest by bot.usecases.digest;
4. senders take the decided rows from a queue (the next batch is claimed and decided while
   the queue still holds a second of sends); per row: reserve a moment of the workspace's
   pace (shared by every copy: pacing.py; about a second of moments is held ahead), take one
   of `concurrency` flights and mark the row sending (compare-and-set), call
   chat.postMessage at the moment, record the outcome.

Outcomes: ok → sent. 429 → back to pending after Retry-After, and the whole workspace
waits. 5xx or a refused connection → retried with backoff, then failed with the error.
A timeout or dropped connection after the request left is never resent blindly: every
message carries Slack metadata naming its row, and after the backoff the dispatcher asks
Slack (conversations.history of the DM) whether it landed. Found → sent, never sent again.
Not found → retried like a 5xx (same row, same attempt limit). The check itself failing →
checked again later, and after the attempt limit failed "outcome unknown"; only a negative
answer ever allows a resend. A row left in `sending` by a crash is checked the same way
once its lease runs out: sent if Slack has it, sent again only if Slack does not.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background.pacing import SharedPacer
from bot.db import outbox
from bot.db.models import ScheduledMessage
from bot.domain.nudge_timing import backoff
from bot.plumbing.metrics import SLACK_SENDS
from bot.plumbing.workspace import Workspace, acting_for
from bot.services import Services
from bot.slack.gateway import Posted, SlackCallFailed, SlackGateway
from bot.usecases import digest, nudges
from bot.usecases.workspaces import working_for, workspace_for

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_ATTEMPTS = 5  # server errors and refused connections
DELIVERY_TIMEOUT_SECONDS = 10
MAX_RATE_LIMITED = 25  # 429 answers before we give up on one message
SEND_LEASE = timedelta(seconds=DELIVERY_TIMEOUT_SECONDS + 5)  # a live sender is never this late
SAME_CHANNEL_GAP = timedelta(seconds=1)  # between two messages to one DM (Slack: ~1/s)
TZ_LOOKUP_CONCURRENCY = 8
# a claim takes what the workspace's whole pace sends in this long: the next claim comes when
# QUEUED_AHEAD is left, so this stays above it; small, so that every copy of the app gets rows
# (with 10 s, two copies took all of 200 due messages at 10/s and two more sat idle) and a
# copy sharing the pace with others still sends its rows well within the claim lease
CLAIM_AHEAD = timedelta(seconds=2)
# each sender holds one claimed row and its reserved moment: enough senders that the moments
# reserved reach this far ahead, so a slow reservation leaves none unused
SEND_LEAD = timedelta(seconds=1)
MAX_SENDERS = 100
# the next batch is claimed while the rows decided and not yet taken by a sender would last
# this long at the workspace's pace: long enough for a claim and its decisions
QUEUED_AHEAD = timedelta(seconds=1)
RECORD_TRIES = 6
MESSAGE_EVENT = "partnercheck_message"  # the metadata event_type on every message we queue
# the history searched after an unclear send: from a little before the attempt (clock skew)
# to well after the client gave up (Slack may finish a request we stopped waiting for)
CHECK_BEFORE = timedelta(minutes=1)
CHECK_AFTER = SEND_LEASE + timedelta(minutes=5)
RETRYABLE_ERRORS = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "ratelimited",
        "not_authed",
        "invalid_auth",
        "ClientConnectorError",
    }
)
PERMANENT_HINTS = {
    "user_not_found": "Slack doesn't know this person any more",
    "account_inactive": "this person's account is deactivated",
    "cannot_dm_bot": "this is a bot account",
    "channel_not_found": "Slack wouldn't open a DM with this person",
    "missing_scope": "the app lacks a permission: reinstall it from deploy/slack-manifest.yml",
}


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def delivery_gateway(services: Services) -> SlackGateway:
    """A client without automatic retries: the dispatcher decides what is safe to repeat.
    It shares the app's HTTP session when there is one (kept-alive connections: no new
    connection per message); its timeout, SLACK_TIMEOUT_SECONDS, is the same 10 s
    (bot.slack.client)."""
    settings = services.settings
    client = AsyncWebClient(
        token=None if settings.oauth else settings.slack_bot_token,
        base_url=settings.slack_api_base_url,
        timeout=DELIVERY_TIMEOUT_SECONDS,
        session=services.http,
        retry_handlers=[],
    )
    return SlackGateway(client)


_Prepared = tuple[ScheduledMessage, nudges.Send, Workspace | None]


class GroupCommit(Generic[T, R]):
    """Concurrent callers each submit one item; whoever comes while a flush is running
    joins the next one, so N rows cost one transaction instead of N. `flush` answers
    per key."""

    def __init__(self, flush: Callable[[list[T]], Awaitable[dict[int, R]]]) -> None:
        self._flush = flush
        self._waiting: list[tuple[int, T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, key: int, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the callers of this moment join the batch
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._flush([item for _, item, _ in batch])
            except Exception as error:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for key, _, future in batch:
                if not future.done():
                    future.set_result(results[key])


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0  # of the retried: Slack answered 429
    deferred: int = 0
    dropped: int = 0
    lost_claims: int = 0
    recovered: int = 0  # claims a stopped worker left, back to pending
    interrupted: int = 0  # sends a stopped worker left, to be checked
    landed: int = 0  # an unclear send that Slack's history showed had arrived
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        """One send ended: sent, retried, rate_limited (a retry after a 429) or failed; counted
        here and in partnercheck_slack_sends_total."""
        SLACK_SENDS.labels(outcome).inc()
        if outcome == "rate_limited":
            self.rate_limited += 1
            outcome = "retried"
        setattr(self, outcome, getattr(self, outcome) + 1)


class Dispatcher:
    def __init__(
        self,
        services: Services,
        *,
        gateway: SlackGateway | None = None,
        worker: str | None = None,
        batch_size: int = 200,
        concurrency: int = 16,
        pacer: SharedPacer | None = None,
    ) -> None:
        self.services = services
        self.gateway = gateway or delivery_gateway(services)
        self.worker = worker or worker_id()
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.pacer = pacer or SharedPacer(services.db, services.settings.slack_rate)
        self.lease = timedelta(seconds=services.settings.claim_lease_seconds)
        self._paused_until: dict[str, datetime] = {}
        self._last_to_channel: dict[str, datetime] = {}
        self._stopping = False
        # SQLite has one writer: queue our own writes instead of sleeping in its busy handler
        self._db_gate = asyncio.Semaphore(1 if services.db.is_sqlite else concurrency)
        # rows marked `sending` and not yet recorded: what a crash leaves to check with Slack
        self._in_flight = asyncio.Semaphore(concurrency)
        self._sending: GroupCommit[ScheduledMessage, bool] = GroupCommit(self._mark_sending)
        self._recording: GroupCommit[tuple[ScheduledMessage, Posted], bool] = GroupCommit(
            self._record_sent
        )

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncSession]:
        async with self._db_gate, self.services.db.unit_of_work() as session:
            yield session

    def stop(self) -> None:
        """Finish the rows in hand, claim no more."""
        self._stopping = True

    async def run_once(self) -> RunReport:
        """Send everything due now; returns what happened (for logs and tests)."""
        report = RunReport()
        if self._stopping:  # stopping: nothing more is claimed, not even to check with Slack
            return report
        clock = self.services.clock
        self._last_to_channel = {
            channel: at
            for channel, at in self._last_to_channel.items()
            if clock.now() - at < SAME_CHANNEL_GAP
        }
        async with self._unit() as session:
            report.recovered, report.interrupted = await outbox.recover_stale(
                session=session, now=clock.now()
            )
            unsure = await outbox.claim_unsure(
                session=session,
                worker=self.worker,
                now=clock.now(),
                lease=self.lease,
                limit=self.batch_size,
            )
        if report.interrupted:
            log.warning(
                "%d messages were being sent when a worker stopped: asking Slack whether they "
                "arrived",
                report.interrupted,
            )
        if unsure:
            await self._check_all(unsure, report)
        await self._send_due(report)
        return report

    async def _send_due(self, report: RunReport) -> None:
        """Claim, decide and send until nothing due is left. Senders take prepared rows from
        a queue; the next batch is claimed and decided while the queue still holds about a
        second of sends, so the senders (and the workspace's pace) never wait for a claim."""
        queue: asyncio.Queue[_Prepared | None] = asyncio.Queue()
        low_water = math.ceil(self.pacer.rate * QUEUED_AHEAD.total_seconds())
        running_low = asyncio.Event()
        senders = min(
            MAX_SENDERS,
            max(self.concurrency, math.ceil(self.pacer.rate * SEND_LEAD.total_seconds())),
        )

        async def feed() -> None:
            try:
                while not self._stopping:
                    rows = await self._claim()
                    if not rows:
                        break
                    for prepared in await self._prepare_batch(rows, report):
                        queue.put_nowait(prepared)
                    while queue.qsize() > low_water and not self._stopping:
                        running_low.clear()
                        await running_low.wait()
            finally:
                for _ in range(senders):
                    queue.put_nowait(None)

        async def sender() -> None:
            while (prepared := await queue.get()) is not None:
                if queue.qsize() <= low_water:
                    running_low.set()
                row, message, workspace = prepared
                try:
                    with acting_for(workspace):
                        await self._send(row, message, report)
                except Exception as error:
                    # the row keeps its claim or sending state; its lease decides what's next
                    log.error("Delivering a message failed: %s", type(error).__name__)

        feeding = asyncio.ensure_future(feed())
        await asyncio.gather(*(sender() for _ in range(senders)))
        await feeding  # a failed claim or decision is raised here, as before

    async def _claim(self) -> list[ScheduledMessage]:
        # claim only what the pace lets us send within CLAIM_AHEAD (well within the lease),
        # so other copies take the rest and every copy's senders stay busy
        ahead = min(CLAIM_AHEAD.total_seconds(), self.lease.total_seconds() / 2)
        limit = max(1, min(self.batch_size, int(self.pacer.rate * ahead)))
        async with self._unit() as session:
            return await outbox.claim_due(
                session=session,
                worker=self.worker,
                now=self.services.clock.now(),
                lease=self.lease,
                limit=limit,
            )

    async def _prepare_batch(
        self, rows: list[ScheduledMessage], report: RunReport
    ) -> list[_Prepared]:
        """Decide each claimed row: dropped and deferred ones are closed here; the rows to
        send are returned with their message and workspace."""
        now = self.services.clock.now()
        # each row goes out with its workspace's token; none at all once it is uninstalled
        workspaces = {
            team: await workspace_for(self.services, team) for team in {r.team_id for r in rows}
        }
        await self._learn_time_zones(rows, now, workspaces)
        digests = [row for row in rows if row.kind == digest.DIGEST]
        shared = await self._shared_internal_channels(digests, workspaces)
        async with self._unit() as session:
            decisions = await nudges.prepare(session, rows=rows, now=now)
            decisions |= await digest.prepare(session, rows=digests, now=now, shared=shared)
            to_send: list[tuple[ScheduledMessage, nudges.Send]] = []
            for row in rows:
                decision = decisions.get(row.id) or nudges.Drop(f"unknown kind {row.kind}")
                if workspaces.get(row.team_id) is None:
                    decision = nudges.Drop("the app is not installed in the workspace")
                paused = self._paused_until.get(row.team_id or "")
                if isinstance(decision, nudges.Drop):
                    await outbox.cancel_claimed(
                        session=session,
                        row_id=row.id,
                        worker=self.worker,
                        now=now,
                        reason=decision.reason,
                    )
                    report.dropped += 1
                elif isinstance(decision, nudges.Later):
                    await outbox.reschedule(
                        session=session,
                        row_id=row.id,
                        worker=self.worker,
                        now=now,
                        due_at=decision.due_at,
                        was="claimed",
                        error=decision.reason,
                    )
                    report.deferred += 1
                elif paused is not None and paused > now:
                    await outbox.reschedule(
                        session=session,
                        row_id=row.id,
                        worker=self.worker,
                        now=now,
                        due_at=paused,
                        was="claimed",
                    )
                    report.deferred += 1
                else:
                    to_send.append((row, decision))
        return [(row, message, workspaces.get(row.team_id)) for row, message in to_send]

    async def _shared_internal_channels(
        self, rows: list[ScheduledMessage], workspaces: dict[str | None, Workspace | None]
    ) -> set[str]:
        """Internal channels of these digests that Slack says are shared with another
        organisation now (or cannot describe): their digests go to the lead's DM instead.
        Each workspace's channels are asked about with that workspace's token."""
        shared: set[str] = set()
        for team in sorted({row.team_id for row in rows}, key=str):
            async with self._unit() as session:
                channels = await digest.internal_channels(
                    session, rows=[row for row in rows if row.team_id == team]
                )
            with acting_for(workspaces.get(team)):
                for channel in sorted(channels):
                    try:
                        if (await self.gateway.channel_info(channel)).is_shared:
                            shared.add(channel)
                    except SlackCallFailed:
                        shared.add(channel)
        return shared

    async def _learn_time_zones(
        self,
        rows: list[ScheduledMessage],
        now: datetime,
        workspaces: dict[str | None, Workspace | None],
    ) -> None:
        teams = {
            row.user_id: row.team_id
            for row in rows
            if row.user_id and workspaces.get(row.team_id) is not None
        }
        async with self._unit() as session:
            needed = await nudges.people_needing_tz(session, user_ids=set(teams), now=now)
        if not needed:
            return
        gate = asyncio.Semaphore(TZ_LOOKUP_CONCURRENCY)

        async def lookup(user_id: str) -> tuple[str, str | None]:
            async with gate:
                try:
                    with acting_for(workspaces.get(teams.get(user_id))):
                        return user_id, (await self.gateway.user(user_id)).tz
                except SlackCallFailed:
                    return user_id, None

        found = await asyncio.gather(*(lookup(user_id) for user_id in sorted(needed)))
        async with self._unit() as session:
            for user_id, tz in found:
                if tz:
                    await nudges.save_tz(
                        session, user_id=user_id, team_id=teams.get(user_id), tz=tz, now=now
                    )

    async def _send(self, row: ScheduledMessage, message: nudges.Send, report: RunReport) -> None:
        team = row.team_id or ""
        channel = destination(row)
        clock = self.services.clock
        last = self._last_to_channel.get(channel)
        if last is not None and clock.now() - last < SAME_CHANNEL_GAP:
            await self._later(row, last + SAME_CHANNEL_GAP, "claimed")
            report.deferred += 1
            return
        self._last_to_channel[channel] = clock.now()
        while True:
            slot = await self.pacer.reserve(team)
            # the row is marked `sending` once it has one of `concurrency` flights (in moment
            # order), not when its moment is reserved: a crash leaves only the rows in flight
            # to check with Slack, not every row holding a moment
            async with self._in_flight:
                if self.pacer.missed(slot):  # every flight was taken until it went by
                    continue
                paused = self._paused_until.get(team)
                if paused is not None and paused > clock.now():
                    await self._later(row, paused, "claimed")
                    report.deferred += 1
                    return
                if not await self._sending.submit(row.id, row):
                    report.lost_claims += 1
                    return
                if not await self.pacer.wait_for(slot):  # marking took too long
                    await self.pacer.wait_for(await self.pacer.reserve(team))
                try:
                    posted = await self.gateway.post_message(
                        channel, message.text, message.blocks, metadata=message_metadata(row)
                    )
                except SlackCallFailed as failure:
                    await self._after_failure(row, failure, report)
                    return
                recorded = await self._recording.submit(row.id, (row, posted))
            break
        if not recorded:
            log.error("Message %d was sent but its row had already been closed", row.id)
        report.add("sent")

    async def _mark_sending(self, rows: list[ScheduledMessage]) -> dict[int, bool]:
        async with self._unit() as session:
            marked = await outbox.mark_sending_many(
                session=session,
                row_ids=[row.id for row in rows],
                worker=self.worker,
                now=self.services.clock.now(),
                lease=SEND_LEASE,
            )
        return {row.id: row.id in marked for row in rows}

    async def _record_sent(self, sent: list[tuple[ScheduledMessage, Posted]]) -> dict[int, bool]:
        """Slack has these messages: record them, trying hard (a crash here leaves them
        `sending`; after the lease a check finds them in Slack, so they are not resent).
        Rows found by a check are `checking`, the rest `sending`."""
        by_state: dict[str, list[int]] = {}
        for row, _ in sent:
            by_state.setdefault("checking" if row.status == "checking" else "sending", []).append(
                row.id
            )
        for attempt in range(RECORD_TRIES):
            try:
                now = self.services.clock.now()
                async with self._unit() as session:
                    recorded: set[int] = set()
                    for was, row_ids in by_state.items():
                        recorded |= await outbox.mark_sent_many(
                            session=session, row_ids=row_ids, worker=self.worker, now=now, was=was
                        )
                    await nudges.record_sent(
                        session,
                        sent=[
                            (row, posted.channel, posted.ts)
                            for row, posted in sent
                            if row.id in recorded
                        ],
                        settings=self.services.settings,
                        now=now,
                    )
                    await digest.record_sent(
                        session, sent=[row for row, _ in sent if row.id in recorded], now=now
                    )
                return {row.id: row.id in recorded for row, _ in sent}
            except DBAPIError as error:
                log.warning(
                    "Recording sent messages failed (%s); trying again", type(error).__name__
                )
                await asyncio.sleep(0.1 * 2**attempt)
        raise RuntimeError("could not record sent messages")

    async def _after_failure(
        self, row: ScheduledMessage, failure: SlackCallFailed, report: RunReport
    ) -> None:
        now = self.services.clock.now()
        attempts = row.attempts + 1
        report.errors[failure.error] = report.errors.get(failure.error, 0) + 1
        if failure.retry_after is not None or failure.status == 429:
            wait = timedelta(seconds=max(1.0, failure.retry_after or 1.0))
            until = now + wait
            team = row.team_id or ""
            self._paused_until[team] = max(self._paused_until.get(team, until), until)
            await self.pacer.hold(team, wait)  # every copy waits, not only this one
            if attempts >= MAX_RATE_LIMITED:
                await self._fail(row, f"Slack kept asking us to slow down ({attempts} tries)")
                report.add("failed")
            else:
                await self._later(row, until, "sending", error="rate limited by Slack; waiting")
                report.add("rate_limited")
            return
        if failure.unsure:
            # not resent blindly: after the backoff, Slack's history says whether it landed
            await self._unsure(
                row,
                now + backoff(attempts),
                "sending",
                error=f"{failure.error} after the request was sent; checking whether "
                "it arrived before sending again",
            )
            report.add("retried")
            return
        transient = (failure.status or 0) >= 500 or failure.error in RETRYABLE_ERRORS
        if transient and attempts < MAX_ATTEMPTS:
            await self._later(
                row,
                now + backoff(attempts),
                "sending",
                error=f"Slack answered {failure.status or ''} {failure.error}; will retry".strip(),
            )
            report.add("retried")
            return
        hint = PERMANENT_HINTS.get(failure.error)
        detail = f"{failure.error} ({hint})" if hint else failure.error
        if transient:
            detail = f"gave up after {attempts} tries: {detail}"
        await self._fail(row, f"Slack refused the message: {detail}")
        report.add("failed")

    async def _check_all(self, rows: list[ScheduledMessage], report: RunReport) -> None:
        gate = asyncio.Semaphore(TZ_LOOKUP_CONCURRENCY)

        async def one(row: ScheduledMessage) -> None:
            async with gate, working_for(self.services, row.team_id):
                await self._check(row, report)

        outcomes = await asyncio.gather(*(one(row) for row in rows), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                # the row stays `checking`; once its lease ends it is checked again
                log.error("Checking a message failed: %s", type(outcome).__name__)

    async def _check(self, row: ScheduledMessage, report: RunReport) -> None:
        """A send of `row` ended unclearly: did it land? Only "no" allows sending again."""
        now = self.services.clock.now()
        attempted = row.attempted_at or row.updated_at
        if attempted.tzinfo is None:
            attempted = attempted.replace(tzinfo=now.tzinfo)
        try:
            landed = await self.gateway.message_landed(
                destination(row),
                metadata=message_metadata(row),
                oldest=(attempted - CHECK_BEFORE).timestamp(),
                latest=(attempted + CHECK_AFTER).timestamp(),
            )
        except SlackCallFailed as failure:
            report.errors[failure.error] = report.errors.get(failure.error, 0) + 1
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                await self._fail(
                    row,
                    f"outcome unknown: the send ended unclearly and Slack could not tell "
                    f"whether it arrived ({failure.error}); not resent, so the person may or "
                    "may not have it",
                    was="checking",
                )
                report.add("failed")
                return
            await self._unsure(
                row,
                now + backoff(attempts),
                "checking",
                error=f"could not ask Slack whether it arrived ({failure.error}); will ask again",
                count_attempt=True,
            )
            report.add("retried")
            return
        if landed is not None:
            if not await self._recording.submit(row.id, (row, landed)):
                log.error("Message %d had arrived but its row had already been closed", row.id)
            report.landed += 1
            report.add("sent")
            return
        if row.attempts < MAX_ATTEMPTS:
            await self._later(
                row,
                now + backoff(row.attempts),
                "checking",
                error="Slack does not have the message (the send ended unclearly); will retry",
            )
            report.add("retried")
            return
        await self._fail(
            row,
            f"Slack refused the message: gave up after {row.attempts} tries; the last ended "
            "unclearly and the message did not arrive",
            was="checking",
        )
        report.add("failed")

    async def _later(
        self, row: ScheduledMessage, due_at: datetime, was: str, *, error: str | None = None
    ) -> None:
        async with self._unit() as session:
            await outbox.reschedule(
                session=session,
                row_id=row.id,
                worker=self.worker,
                now=self.services.clock.now(),
                due_at=due_at,
                was=was,
                error=error,
            )

    async def _unsure(
        self,
        row: ScheduledMessage,
        check_at: datetime,
        was: str,
        *,
        error: str,
        count_attempt: bool = False,
    ) -> None:
        async with self._unit() as session:
            await outbox.mark_unsure(
                session=session,
                row_id=row.id,
                worker=self.worker,
                now=self.services.clock.now(),
                check_at=check_at,
                was=was,
                error=error,
                count_attempt=count_attempt,
            )

    async def _fail(self, row: ScheduledMessage, error: str, *, was: str = "sending") -> None:
        async with self._unit() as session:
            await outbox.mark_failed(
                session=session,
                row_id=row.id,
                worker=self.worker,
                now=self.services.clock.now(),
                error=error,
                was=was,
            )


def destination(row: ScheduledMessage) -> str:
    """Where a row's message goes: its channel when it has one (e.g. a digest for the
    internal channel), else the person's DM."""
    return row.channel_id or row.user_id or ""


def message_metadata(row: ScheduledMessage) -> dict[str, Any]:
    """Slack message metadata naming the row, so an unclear send can be found again."""
    return {"event_type": MESSAGE_EVENT, "event_payload": {"row": row.id, "key": row.dedupe_key}}
