"""Answer clicks stored in batches (group commit): one transaction, the same outcomes as singly."""

from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import func, select

from bot.background.answer_writer import AnswerClick, Stored
from bot.db import checks as store
from bot.db.models import Answer, Check
from bot.plumbing.errors import UserError
from bot.usecases.deliveries import first_delivery
from tests.e2e.checkflow import CHANNEL, start_check
from tests.support import metrics
from tests.support.harness import Harness


async def _live_check(h: Harness) -> tuple[Check, list[str]]:
    await start_check(h)
    async with h.db().reading() as session:
        check_id = await session.scalar(select(Check.id).where(Check.channel_id == CHANNEL))
        assert check_id is not None
        check = await store.load_check(session=session, check_id=check_id)
    assert check is not None
    first = h.services.bank.template_questions("partnership_check")[0]
    values = [str(option.value) for option in first.options]
    return check, values


def _click(
    h: Harness, check: Check, user: str, value: str, key: str | None, position: int = 0
) -> AnswerClick:
    return AnswerClick(
        check_id=check.id,
        position=position,
        live=True,
        question_version_id=check.questions[position].question_version_id,
        user_id=user,
        side="ours",
        value=value,
        now=h.clock.now(),
        delivery_key=key,
    )


async def _outcome(write: asyncio.Future[Stored | None]) -> Stored | str | None:
    try:
        return await write
    except UserError as error:
        return error.message


async def _stored(h: Harness, check: Check) -> dict[tuple[int, str], str | None]:
    async with h.db().reading() as session:
        rows = (
            await session.execute(
                select(Answer.question_version_id, Answer.user_id, Answer.value).where(
                    Answer.check_id == check.id
                )
            )
        ).all()
    return {(version, user): value for version, user, value in rows}


async def test_one_batch_stores_the_last_click_and_ignores_replays(harness: Harness) -> None:
    h = harness
    check, v = await _live_check(h)
    writer = h.services.answers
    q0 = check.questions[0].question_version_id
    assert await writer.write(_click(h, check, "U0OLD", v[1], "k-old")) == Stored(changed=False)
    assert await first_delivery(h.services, "k-seen")  # a delivery handled before

    clicks = [
        _click(h, check, "U1", v[0], "k1"),
        _click(h, check, "U1", v[2], "k2"),  # changes their mind within the batch
        _click(h, check, "U2", v[3], "k3"),
        _click(h, check, "U2", v[4], "k3"),  # Slack's retry of the same delivery
        _click(h, check, "U3", v[0], "k-seen"),  # a replay of an earlier delivery
        _click(h, check, "U0OLD", v[4], "k4"),
        _click(h, check, "U4", v[0], "k5", position=1),  # not asked yet
        _click(h, check, "U4", v[0], "k5", position=1),  # its retry: refused the same way
        _click(h, check, "U5", v[1], None),
    ]
    batches = writer.batches
    writes = [asyncio.ensure_future(writer.write(click)) for click in clicks]
    outcomes = [await _outcome(write) for write in writes]

    assert writer.batches == batches + 1  # every click queued before the writer ran
    not_yet = "That question hasn't been asked yet."
    assert outcomes == [
        Stored(changed=False),
        Stored(changed=True),
        Stored(changed=False),
        None,
        None,
        Stored(changed=True),
        not_yet,
        not_yet,
        Stored(changed=False),
    ]
    assert await _stored(h, check) == {
        (q0, "U0OLD"): v[4],
        (q0, "U1"): v[2],
        (q0, "U2"): v[3],
        (q0, "U5"): v[1],
    }
    # the refused click claimed no key; the others did
    assert await first_delivery(h.services, "k5")
    for key in ("k1", "k2", "k3", "k4"):
        assert not await first_delivery(h.services, key)


async def test_a_batch_over_several_questions_tells_changed_answer_by_answer(
    harness: Harness,
) -> None:
    """The batch reads the stored answers of all its people to all its questions at once
    (every combination): each click is 'changed' only if its own answer was stored before."""
    h = harness
    check, v = await _live_check(h)
    writer = h.services.answers
    q0, q1 = (check.questions[i].question_version_id for i in (0, 1))
    assert await writer.write(_click(h, check, "U1", v[0], "a1")) == Stored(changed=False)
    early = dataclasses.replace(_click(h, check, "U2", v[1], "a2", position=1), live=False)
    assert await writer.write(early) == Stored(changed=False)

    clicks = [
        dataclasses.replace(_click(h, check, "U1", v[2], "b1", position=1), live=False),
        _click(h, check, "U2", v[3], "b2"),
        _click(h, check, "U1", v[4], "b3"),
        dataclasses.replace(_click(h, check, "U2", v[0], "b4", position=1), live=False),
    ]
    writes = [asyncio.ensure_future(writer.write(click)) for click in clicks]
    outcomes = [await _outcome(write) for write in writes]

    assert outcomes == [
        Stored(changed=False),  # U1 had answered q0 only
        Stored(changed=False),  # U2 had answered q1 only
        Stored(changed=True),
        Stored(changed=True),
    ]
    assert await _stored(h, check) == {
        (q0, "U1"): v[4],
        (q1, "U1"): v[2],
        (q0, "U2"): v[3],
        (q1, "U2"): v[0],
    }


async def test_many_concurrent_clicks_store_exactly_one_row_each(harness: Harness) -> None:
    h = harness
    check, v = await _live_check(h)
    writer = h.services.answers
    q0 = check.questions[0].question_version_id
    expected: dict[tuple[int, str], str | None] = {}
    clicks = []
    for n in range(120):
        user = f"U{n % 40}"
        value = v[n % len(v)]
        clicks.append(_click(h, check, user, value, f"key-{n}"))
        expected[(q0, user)] = value
    clicks += [_click(h, check, "U0", v[0], "key-7")]  # a late retry: no effect
    batches = metrics.sample("partnercheck_answer_batch_size_count")
    stored = metrics.sample("partnercheck_answer_batch_size_sum")
    outcomes = await asyncio.gather(*(writer.write(click) for click in clicks))
    # partnercheck_answer_batch_size: every click in some batch, fewer batches than clicks
    assert metrics.sample("partnercheck_answer_batch_size_sum") - stored == len(clicks)
    assert 1 <= metrics.sample("partnercheck_answer_batch_size_count") - batches < len(clicks)
    assert outcomes[:40] == [Stored(changed=False)] * 40
    assert outcomes[40:120] == [Stored(changed=True)] * 80
    assert outcomes[120] is None
    assert await _stored(h, check) == expected
    async with h.db().reading() as session:
        count = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.check_id == check.id)
        )
    assert count == 40


async def test_a_batch_for_a_closed_check_is_refused_and_claims_nothing(harness: Harness) -> None:
    h = harness
    check, v = await _live_check(h)
    async with h.db().unit_of_work() as session:
        await store.mark_closed(session=session, check_id=check.id, user_id=None, now=h.clock.now())
    writes = [
        asyncio.ensure_future(h.services.answers.write(_click(h, check, f"U{n}", v[0], f"c{n}")))
        for n in range(5)
    ]
    closed = "This check is closed, so answers can no longer change."
    assert [await _outcome(write) for write in writes] == [closed] * 5
    assert await _stored(h, check) == {}
    assert await first_delivery(h.services, "c0")


async def test_clicks_queued_at_shutdown_are_stored(harness: Harness) -> None:
    h = harness
    check, v = await _live_check(h)
    writes = [
        asyncio.ensure_future(h.services.answers.write(_click(h, check, f"U{n}", v[0], None)))
        for n in range(10)
    ]
    await asyncio.gather(*writes, h.services.answers.stop())  # stop comes after the writes
    assert all(write.done() for write in writes)
    assert len(await _stored(h, check)) == 10
