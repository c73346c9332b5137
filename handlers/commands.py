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
    usage: str  # no <placeholders>: Slack reads <…> as a link; write ICS-URL or [template]
    summary: str  # one short sentence
    run: Run
    group: str | None = None  # a heading of HELP_GROUPS; None: looked up by name there


# `/partnership help`, grouped by what people want to do; a subcommand named in none of
# these (nor given a group) is listed under "More".
HELP_GROUPS: dict[str, tuple[str, ...]] = {
    "Run a check": ("check", "summary", "history", "schedule", "self-check"),
    "Meetings and reflections": ("meeting", "meetings", "calendar", "digest"),
    "Settings": ("settings", "internal", "admins"),
    "Your data": ("my", "forget", "export"),
}


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
            "Start a check in this channel, live or by a deadline.",
            _check,
        ),
        Subcommand("help", "/partnership help", "Show this list.", _help, group="More"),
        Subcommand(
            "summary",
            "/partnership summary",
            "See the latest summary, with a button to share it here.",
            _summary,
        ),
        Subcommand(
            "history",
            "/partnership history",
            "See every check of this partnership and its ticks over time.",
            _history,
        ),
    )
}


def add_subcommand(entry: Subcommand) -> None:
    """Feature modules add their subcommands here when they are registered."""
    SUBCOMMANDS[entry.name] = entry


def help_group(entry: Subcommand) -> str:
    if entry.group:
        return entry.group
    return next((group for group, names in HELP_GROUPS.items() if entry.name in names), "More")


def help_text() -> str:
    lines = ["*Partnership Check* helps us and our client look at the partnership together."]
    for group in [*HELP_GROUPS, "More"]:
        entries = [e for e in SUBCOMMANDS.values() if help_group(e) == group]
        if not entries:
            continue
        lines += ["", f"*{group}*"]
        order = HELP_GROUPS.get(group, ())
        entries.sort(key=lambda e: (order.index(e.name) if e.name in order else len(order), e.name))
        # usages such as `<ics-url>` would be read by Slack as links: escaped, they show as typed
        lines += [f"• `{escape(entry.usage)}`: {entry.summary}" for entry in entries]
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
