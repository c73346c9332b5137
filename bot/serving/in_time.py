"""Every request Slack sends is answered inside its 3 seconds, over HTTP and Socket Mode alike:
work still going after the budget (bot/plumbing/budget.py) is answered at once, finishes
behind the answer, and the person is told it is slow (a slash command's answer says so)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from bot.services import Services
from handlers import errors
from handlers.common import tell

log = logging.getLogger("partnercheck.web")
T = TypeVar("T")

TOO_SLOW_COMMAND_ANSWER = {"response_type": "ephemeral", "text": errors.TOO_SLOW}


async def within_budget(
    services: Services, work: Awaitable[T], *, kind: str, payload: dict[str, Any]
) -> T | None:
    """The work's result if it ends within the budget; else None, and the work goes on behind.
    A command's caller answers TOO_SLOW_COMMAND_ANSWER; anything else is answered empty and
    the person is told by an ephemeral note."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=services.budget.dispatch_seconds)
    if done:
        return task.result()
    services.background.spawn(_finish(task), name="late-dispatch")
    log.warning(
        "Answered a %s before its work ended, after %ss", kind, services.budget.dispatch_seconds
    )
    if kind != "command":
        services.background.spawn(tell(services, payload, errors.TOO_SLOW))
    return None


async def _finish(task: asyncio.Future[Any]) -> None:
    await task
