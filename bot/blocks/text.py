"""Small pure helpers for Slack text: escaping, trimming, mentions, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.domain.wording import count_phrase as count_phrase  # re-exported for the builders

SECTION_TEXT_MAX = 3000
CONTEXT_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75
FALLBACK_TEXT_MAX = 3000


def escape(text: str) -> str:
    """Make user-written text inert in mrkdwn: no mentions, links or channel pings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trim(text: str, limit: int, *, marker: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(marker)].rstrip() + marker


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: Iterable[str]) -> str:
    listed = [mention(user_id) for user_id in user_ids]
    return ", ".join(listed) if listed else "nobody yet"


def slack_date(moment: datetime, *, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A date Slack shows in each reader's own time zone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{pattern}|{fallback}>"


def plain(text: str, *, limit: int = BUTTON_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": trim(text, limit), "emoji": True}


def mrkdwn(text: str, *, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": trim(text, limit)}


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [mrkdwn(text, limit=CONTEXT_TEXT_MAX) for text in texts if text],
    }


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, limit=150)}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def confirm_dialog(*, title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    """Slack's "are you sure?" dialog for a control whose effect can't be undone."""
    return {
        "title": plain(title, limit=100),
        "text": plain(text, limit=300),
        "confirm": plain(yes, limit=30),
        "deny": plain(no, limit=30),
        "style": "danger",
    }
