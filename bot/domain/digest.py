"""What our people's reflections add up to over a period: the lead's digest. Pure.

Free text is only ever carried with its author when the author ticked "share with my
team"; otherwise it is counted, never quoted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

# the reflection questions the digest reads (any version of each)
VALUE_QUESTION = "rf.value.outcome"
NO_VALUE = "no_value"
CONCERNS_QUESTION = "rf.context.shifting"
CONCERNS_MOVING = frozenset({"shifting", "new"})
DIFFERENTLY_QUESTION = "rf.next_time"
SHARE_BACK_QUESTION = "rf.share_back"


@dataclass(frozen=True)
class MeetingHeld:
    title: str
    ended_at: datetime
    asked: int  # reflections asked for (not cancelled)
    answered: int


@dataclass(frozen=True)
class ReflectionAnswer:
    """One answer of one person's reflection on one meeting."""

    meeting_id: int
    user_id: str
    question_id: str
    value: str | None
    comment: str | None
    shared: bool  # the author ticked "share with my team"


@dataclass(frozen=True)
class Note:
    """Free text a person shared with our team, with its author."""

    user_id: str
    text: str


@dataclass(frozen=True)
class Notes:
    shared: tuple[Note, ...] = ()
    private: int = 0  # written but kept to their author: counted, never quoted

    @property
    def total(self) -> int:
        return len(self.shared) + self.private


@dataclass(frozen=True)
class Digest:
    partnership_name: str
    since: datetime
    until: datetime
    meetings: tuple[MeetingHeld, ...]
    reflections: int  # reflections answered in the period (any meeting's)
    judged: int  # meetings someone said what they did for the client
    no_value: int  # of those, meetings someone judged to add no value for the client
    concerns: dict[str, int] = field(default_factory=dict)  # answer value → how many said it
    differently: Notes = Notes()
    share_back: Notes = Notes()

    @property
    def asked(self) -> int:
        return sum(meeting.asked for meeting in self.meetings)

    @property
    def answered(self) -> int:
        return sum(meeting.answered for meeting in self.meetings)

    @property
    def concerns_moving(self) -> int:
        return sum(n for value, n in self.concerns.items() if value in CONCERNS_MOVING)

    @property
    def concerns_total(self) -> int:
        return sum(self.concerns.values())

    @property
    def is_empty(self) -> bool:
        """Nothing new: no meeting held, no reflection answered."""
        return not self.meetings and not self.reflections


def compile_digest(
    *,
    partnership_name: str,
    since: datetime,
    until: datetime,
    meetings: Iterable[MeetingHeld],
    answers: Iterable[ReflectionAnswer],
) -> Digest:
    answers = list(answers)
    reflections = {(a.meeting_id, a.user_id) for a in answers}
    judged = {a.meeting_id for a in answers if a.question_id == VALUE_QUESTION and a.value}
    no_value = {
        a.meeting_id for a in answers if a.question_id == VALUE_QUESTION and a.value == NO_VALUE
    }
    concerns = Counter(a.value for a in answers if a.question_id == CONCERNS_QUESTION and a.value)
    return Digest(
        partnership_name=partnership_name,
        since=since,
        until=until,
        meetings=tuple(meetings),
        reflections=len(reflections),
        judged=len(judged),
        no_value=len(no_value),
        concerns=dict(concerns),
        differently=_notes(answers, DIFFERENTLY_QUESTION),
        share_back=_notes(answers, SHARE_BACK_QUESTION),
    )


def _notes(answers: list[ReflectionAnswer], question_id: str) -> Notes:
    shared: list[Note] = []
    private = 0
    for answer in answers:
        if answer.question_id != question_id:
            continue
        text = " — ".join(part.strip() for part in (answer.value, answer.comment) if part)
        if not text.strip():
            continue
        if answer.shared:
            shared.append(Note(user_id=answer.user_id, text=text))
        else:
            private += 1
    return Notes(shared=tuple(shared), private=private)
