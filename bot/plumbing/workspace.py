"""The workspace the current piece of work is for: its team id and its bot token.

Set once where work starts (a Bolt middleware for what Slack sends, the answer fast lane,
each background job for each row's team) and read where it matters: the gateway sends the
token, the repositories that find a partnership by channel keep to the team. Context
variables follow asyncio tasks, so follow-ups spawned by a listener act for its workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Workspace:
    team_id: str | None
    bot_token: str | None = None
    enterprise_id: str | None = None

    def __repr__(self) -> str:  # never show the token
        return f"Workspace(team_id={self.team_id!r}, enterprise_id={self.enterprise_id!r})"


_current: ContextVar[Workspace | None] = ContextVar("partnercheck_workspace", default=None)


@contextmanager
def acting_for(workspace: Workspace | None) -> Iterator[None]:
    """Everything inside acts for `workspace` (None: for no workspace in particular)."""
    reset = _current.set(workspace)
    try:
        yield
    finally:
        _current.reset(reset)


def enter_workspace(workspace: Workspace | None) -> None:
    """From here on, the current task (and the tasks it starts) acts for `workspace`. For
    Bolt's middleware, whose listeners run after it returns, in the same request's task."""
    _current.set(workspace)


def current_workspace() -> Workspace | None:
    return _current.get()


def current_team_id() -> str | None:
    workspace = _current.get()
    return workspace.team_id if workspace is not None else None


def current_bot_token() -> str | None:
    workspace = _current.get()
    return workspace.bot_token if workspace is not None else None
