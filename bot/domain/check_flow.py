"""The life of a check, as a table of states and the events that move between them.

    (modal) ──start──▶ open ──next──▶ open (question n+1)      live mode, lead only
                        │  ▲
                        │  └─answer── (anyone in the channel; answering again replaces)
                        └──close──▶ closed ──summarise──▶ summarised
                 (lead, an admin, or the deadline in async mode)

Pure: no Slack, no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    SUMMARISED = "summarised"


class Mode(StrEnum):
    LIVE = "live"
    ASYNC = "async"


class Event(StrEnum):
    ANSWER = "answer"
    NEXT = "next"
    CLOSE = "close"
    SUMMARISE = "summarise"


TRANSITIONS: dict[tuple[Status, Event], Status] = {
    (Status.OPEN, Event.ANSWER): Status.OPEN,
    (Status.OPEN, Event.NEXT): Status.OPEN,
    (Status.OPEN, Event.CLOSE): Status.CLOSED,
    (Status.CLOSED, Event.SUMMARISE): Status.SUMMARISED,
}


class TransitionRefused(Exception):
    """The event does not apply in this state; `reason` is a sentence for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckState:
    status: Status
    mode: Mode
    position: int
    total: int


def apply(state: CheckState, event: Event) -> CheckState:
    """The state after `event`, or TransitionRefused saying why not."""
    target = TRANSITIONS.get((state.status, event))
    if target is None:
        if state.status is not Status.OPEN:
            raise TransitionRefused("This check is already closed.")
        raise TransitionRefused(f"A check that is {state.status} cannot {event}.")
    position = state.position
    if event is Event.NEXT:
        if state.mode is not Mode.LIVE:
            raise TransitionRefused("Only live checks move question by question.")
        if position + 1 >= state.total:
            raise TransitionRefused("That was the last question: close the check to finish.")
        position += 1
    return CheckState(status=target, mode=state.mode, position=position, total=state.total)


def is_last_question(state: CheckState) -> bool:
    return state.position + 1 >= state.total
