"""`/partnership <subcommand>`: one table of subcommands, each a thin call into a use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.blocks.text import escape
from bot.services import Services
from bot.usecases import checks, summary
from handlers.common import channel_of, require, team_of, user_id_of

COMMAND = "/partnership"

Ack = Callable[..., Awaitable[None]]
Run = Callable[[Services, dict[str, Any], str, Ack], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    run: Run


async def _help(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    await ack(response_type="ephemeral", text=help_text())


async def _check(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    if rest:
        await ack(
            response_type="ephemeral",
            text="`/partnership check` takes no arguments: it opens a form to choose the rest.",
        )
        return
    checks.require_shared_channel(channel_of(body) or "")
    await ack()
    await checks.open_start_modal(
        services,
        trigger_id=str(body.get("trigger_id", "")),
        team_id=team_of(body),
        channel_id=channel_of(body) or "",
        user_id=user_id_of(body),
    )


async def _summary(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    await require(services, "/partnership summary", body)
    text, blocks = await summary.show_latest(services, channel_id=channel_of(body) or "")
    await ack(response_type="ephemeral", text=text, blocks=blocks)


async def _history(services: Services, body: dict[str, Any], rest: str, ack: Ack) -> None:
    await require(services, "/partnership history", body)
    text, blocks = await summary.history(services, channel_id=channel_of(body) or "")
    await ack(response_type="ephemeral", text=text, blocks=blocks)


SUBCOMMANDS: dict[str, Subcommand] = {
    entry.name: entry
    for entry in (
        Subcommand(
            "check",
            "/partnership check",
            "Start a partnership check in this channel (live or by a deadline).",
            _check,
        ),
        Subcommand("help", "/partnership help", "Show this list.", _help),
        Subcommand(
            "summary",
            "/partnership summary",
            "Show the latest summary to you, with a button to share it here.",
            _summary,
        ),
        Subcommand(
            "history",
            "/partnership history",
            "Every check of this channel's partnership, with its ticks over time.",
            _history,
        ),
    )
}


def add_subcommand(entry: Subcommand) -> None:
    """Feature modules add their subcommands here when they are registered."""
    SUBCOMMANDS[entry.name] = entry


def help_text() -> str:
    lines = ["*Partnership Check* helps us and our client look at the partnership together.", ""]
    for entry in sorted(SUBCOMMANDS.values(), key=lambda e: e.name):
        # usages such as `<ics-url>` would be read by Slack as links: escaped, they show as typed
        lines.append(f"• `{escape(entry.usage)}`: {entry.summary}")
    lines += ["", "Questions or ideas? Tell the person who installed the app in this workspace."]
    return "\n".join(lines)


def register(app: AsyncApp, services: Services) -> None:
    @app.command(COMMAND)
    async def on_partnership(ack: Ack, body: dict[str, Any]) -> None:
        text = " ".join(str(body.get("text", "")).split())
        name, _, rest = text.partition(" ")
        entry = SUBCOMMANDS.get(name.lower() or "help")
        if entry is None:
            await ack(
                response_type="ephemeral",
                text=f"I don't know `/partnership {escape(name[:40])}`. Here is what I can do:\n\n"
                + help_text(),
            )
            return
        await entry.run(services, body, rest, ack)
