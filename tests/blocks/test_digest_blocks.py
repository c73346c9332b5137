"""The lead's digest as data: counts add up, notes need their author's consent to be quoted,
person-written text is inert, and the message stays within Slack's limits at any size."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.blocks.digest import digest_message, home_lines
from bot.domain.digest import MeetingHeld, ReflectionAnswer, compile_digest
from tests.support.blockkit import check_message

SINCE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
PINGS = "<!channel> <@U0BOSS> & <https://evil.example|click>"


def answer(meeting: int, user: str, question: str, value: str, *, shared: bool):
    return ReflectionAnswer(meeting, user, question, value, None, shared)


def a_week(meetings: int = 2, people: int = 2):
    held = [
        MeetingHeld(
            title=f"{PINGS} meeting {n}",
            ended_at=SINCE + timedelta(hours=n),
            asked=people,
            answered=people - (n % 2),
        )
        for n in range(meetings)
    ]
    answers = [
        a
        for n in range(meetings)
        for p in range(people)
        for a in (
            answer(
                n, f"U{p}", "rf.value.outcome", "no_value" if n == 0 else "solved", shared=False
            ),
            answer(
                n, f"U{p}", "rf.context.shifting", "shifting" if p == 0 else "same", shared=False
            ),
            answer(n, f"U{p}", "rf.next_time", f"{PINGS} plan {n}-{p}", shared=p == 0),
            answer(n, f"U{p}", "rf.share_back", f"secret {n}-{p}", shared=False),
        )
    ]
    return compile_digest(
        partnership_name=PINGS, since=SINCE, until=UNTIL, meetings=held, answers=answers
    )


def test_counts_and_consent() -> None:
    digest = a_week()
    assert (digest.answered, digest.asked) == (3, 4)
    assert (digest.judged, digest.no_value) == (2, 1)
    assert digest.concerns == {"shifting": 2, "same": 2}
    assert [note.user_id for note in digest.differently.shared] == ["U0", "U0"]
    assert digest.differently.private == 2 and digest.share_back.shared == ()
    text, blocks = digest_message(digest)
    shown = json.dumps(blocks) + text
    assert "secret" not in shown and "plan 0-1" not in shown
    assert "<@U0>: &lt;!channel&gt; &lt;@U0BOSS&gt; &amp;" in shown
    assert "<!channel>" not in shown and "<@U0BOSS>" not in shown
    assert "<!channel>" not in home_lines(digest)
    check_message(blocks, text)


def test_a_busy_week_stays_within_slack_limits() -> None:
    digest = a_week(meetings=40, people=12)
    text, blocks = digest_message(digest)
    check_message(blocks, text)
    assert "…and 32 more" in json.dumps(blocks, ensure_ascii=False)


def test_nothing_new_is_empty() -> None:
    digest = compile_digest(
        partnership_name="Acme", since=SINCE, until=UNTIL, meetings=[], answers=[]
    )
    assert digest.is_empty
    text, blocks = digest_message(digest)
    assert "Nothing new" in json.dumps(blocks)
    check_message(blocks, text)
