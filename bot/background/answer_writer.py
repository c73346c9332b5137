"""Group commit for answer clicks: many clicks, one short transaction, each still durable.

A click that passed the checks needing no storage (value, side, channel membership) is
queued with `write`; one writer task takes everything queued and stores it in ONE
transaction of three statements: one SELECT of the checks' state joined with the answers
already stored (to say "changed" rather than "saved"), one multi-row INSERT of the delivery
keys (a replay claims nothing), and one executemany upsert of the answers. The transaction is
one synchronous function, so on SQLite the whole batch is one hand-off to the writer thread
(Database.run_transaction), not one or more per statement. Only after the
commit is each click told its outcome, so an acknowledgement still means "stored". While
one batch commits the next one gathers, so the busier the front door, the fewer
transactions per click.

Within a batch the clicks keep their order: a person's last click on a question wins, a
delivery key seen earlier in the batch (or before) is a replay, and a click refused because
the check is closed or the question not asked yet claims no key, exactly as one click alone.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError

from bot.db import checks as store
from bot.db import deliveries
from bot.db.engine import Database
from bot.plumbing.errors import NotFound, UserError
from bot.plumbing.metrics import ANSWER_BATCH_SIZE

log = logging.getLogger(__name__)

# 8 bound values an answer row: well below SQLite's 32,766 variables a statement
MAX_BATCH = 500


@dataclass(frozen=True)
class AnswerClick:
    """One validated click, ready to store."""

    check_id: int
    position: int
    live: bool  # a live check: only questions up to the current one can be answered
    question_version_id: int
    user_id: str
    side: str
    value: str | None
    now: datetime
    delivery_key: str | None = None

    @property
    def answer(self) -> store.AnswerKey:
        return (self.check_id, self.question_version_id, self.user_id)


@dataclass(frozen=True)
class Stored:
    """The click's answer is stored; `changed` when it replaced an earlier value."""

    changed: bool


Outcome = Stored | UserError | None  # None: a replay of a delivery already stored
_Pending = tuple[AnswerClick, "asyncio.Future[Stored | None]"]


def refusal(click: AnswerClick, state: tuple[str, int] | None) -> UserError | None:
    """Why the check's current state refuses this click, if it does."""
    if state is None:
        return NotFound("That check no longer exists.")
    status, current = state
    if status != "open":
        return UserError("This check is closed, so answers can no longer change.")
    if click.live and click.position > current:
        return UserError("That question hasn't been asked yet.")
    return None


class AnswerWriter:
    """Owned by Services; the writer task starts with the first click, `stop` drains it."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.batches = 0  # transactions committed or attempted (for tests and profiling)

    async def write(self, click: AnswerClick) -> Stored | None:
        """Store the click durably; None for a replay. Raises its UserError, or the
        database's error when the batch could not be stored."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored | None] = loop.create_future()
        self._queue.append((click, future))
        self._ensure_running(loop)
        return await future

    async def stop(self) -> None:
        """Store everything queued, then end the writer task (a later click restarts it)."""
        task = self._task
        if task is None or self._loop is not asyncio.get_running_loop():
            return
        self._stopping = True
        assert self._wake is not None
        self._wake.set()
        try:
            await task
        finally:
            self._stopping = False
            self._task = None

    def _ensure_running(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not loop:  # first click, or a new event loop (tests)
            self._loop = loop
            self._wake = asyncio.Event()
            self._task = None
        assert self._wake is not None
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name="answer-writer")
        self._wake.set()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            if not self._queue:
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                await self._store(batch)
            except BaseException as error:  # cancelled: nobody may wait forever
                _fail(batch, error)
                raise

    async def _store(self, batch: list[_Pending]) -> None:
        self.batches += 1
        ANSWER_BATCH_SIZE.observe(len(batch))
        try:
            outcomes = await self._commit([click for click, _ in batch])
        except (IntegrityError, DataError) as error:
            if len(batch) == 1:
                _fail(batch, error)
                return
            # one click's data broke the statement: store the others one by one
            log.warning(
                "An answer batch of %d failed (%s); retrying singly",
                len(batch),
                type(error).__name__,
            )
            for pending in batch:
                await self._store([pending])
            return
        except Exception as error:  # storage unreachable or busy: every click hears it
            _fail(batch, error)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the request went away; its answer is stored all the same
                continue
            if isinstance(outcome, UserError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _commit(self, clicks: list[AnswerClick]) -> list[Outcome]:
        return await self._db.run_transaction(functools.partial(_commit_batch, clicks))


def _commit_batch(clicks: list[AnswerClick], connection: Connection) -> list[Outcome]:
    """The batch's one transaction (synchronous: see Database.run_transaction)."""
    outcomes: list[Outcome] = [None] * len(clicks)
    keys = list(dict.fromkeys(c.delivery_key for c in clicks if c.delivery_key))
    state = store.batch_state(
        connection=connection,
        check_ids={click.check_id for click in clicks},
        version_ids={click.question_version_id for click in clicks},
        user_ids={click.user_id for click in clicks},
    )
    claimed = deliveries.claim_many(
        connection=connection, keys=keys, now=max(click.now for click in clicks)
    )
    used: set[str] = set()
    accepted: list[int] = []
    for index, click in enumerate(clicks):
        key = click.delivery_key
        if key and (key not in claimed or key in used):
            continue  # a replay: no second effect
        refused = refusal(click, state.checks.get(click.check_id))
        if refused is not None:
            outcomes[index] = refused
            continue
        if key:
            used.add(key)
        accepted.append(index)
    if claimed - used:  # refused clicks claim no key, as if never seen
        deliveries.forget(connection=connection, keys=claimed - used)
    stored = state.answers
    latest: dict[store.AnswerKey, AnswerClick] = {}
    for index in accepted:
        click = clicks[index]
        outcomes[index] = Stored(
            changed=click.answer in stored and stored[click.answer] is not None
        )
        stored[click.answer] = click.value
        latest[click.answer] = click  # the last click on a question wins
    store.save_answer_values(
        connection=connection,
        rows=[
            store.AnswerRow(
                check_id=click.check_id,
                question_version_id=click.question_version_id,
                user_id=click.user_id,
                side=click.side,
                value=click.value,
                now=click.now,
            )
            for click in latest.values()
        ],
    )
    return outcomes


def _fail(batch: list[_Pending], error: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            if isinstance(error, Exception):
                future.set_exception(error)
            else:
                future.cancel()
