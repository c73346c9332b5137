"""The one error handler: a sentence for the person, a log line (never a body) for us."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.plumbing.errors import UserError
from bot.plumbing.logs import loggable
from bot.services import Services
from bot.slack.gateway import SlackCallFailed
from handlers.common import tell

log = logging.getLogger("partnercheck.errors")

DATABASE_TROUBLE = (
    "I couldn't save that because my database is busy or unreachable. "
    "Nothing was lost on your side: please try again in a minute."
)
TOO_SLOW = (
    "I couldn't finish that in time: my database is busy or unreachable. "
    "Please try again in a minute (if it went through meanwhile, you will see it)."
)
SLACK_TROUBLE = "Slack didn't accept my reply just now. Please try again in a minute."
UNEXPECTED = (
    "Something went wrong on my side and it has been logged. Please try again; "
    "if it keeps happening, tell whoever installed Partnership Check."
)


def message_for(error: BaseException) -> str:
    """What to tell the person; logs anything that is our fault."""
    if isinstance(error, UserError):
        return error.message
    if isinstance(error, DataError):
        # the database refused what we sent (a value too long or out of range…): our fault.
        # No traceback: the driver's message can quote the value, i.e. a person's words
        log.error("The database refused a statement: %s", _cause(error))
        return UNEXPECTED
    if isinstance(error, OperationalError | PoolTimeout | DBAPIError | OSError):
        log.error("Database unavailable: %s", _cause(error))
        return DATABASE_TROUBLE
    if isinstance(error, SlackCallFailed):
        return SLACK_TROUBLE
    log.error("Unexpected %s while handling a Slack request", type(error).__name__, exc_info=error)
    return UNEXPECTED


def _cause(error: BaseException) -> str:
    """The error's class, and the driver's own beneath SQLAlchemy's (never its message,
    which can quote the values)."""
    driver = getattr(error, "orig", None)
    name = type(error).__name__
    return f"{name} ({type(driver).__name__})" if driver is not None else name


def describe_request(body: dict[str, Any]) -> str:
    """A short, safe name for what a request asks (ids cut short, control characters out)."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    actions = body.get("actions")
    view = body.get("view")
    event = body.get("event")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        what = actions[0].get("action_id")
    elif isinstance(view, dict):
        what = view.get("callback_id")
    elif isinstance(event, dict):
        what = event.get("type")
    else:
        what = body.get("command") or body.get("callback_id")
    return f"{loggable(kind, 30)} {loggable(what or '-', 60)}"


def register(app: AsyncApp, services: Services) -> None:
    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None
    ) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            log.warning("Unhandled request: %s", describe_request(body))
            return BoltResponse(status=404, body="")
        text = message_for(error)
        if response is not None and "command" in body:
            # a slash command whose reply is still open: answer in the reply itself
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": text}),
                headers={"content-type": "application/json"},
            )
        await tell(services, body, text)
        if response is not None:
            return BoltResponse(status=200, body="")
        return None
