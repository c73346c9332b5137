"""Block Kit for our side's own material: the self-check by DM, where our-side summaries go.

Pure: data in, (notification text, blocks) out. Person-written text (partnership names,
channel names) is escaped in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.text import (
    button,
    confirm_dialog,
    context,
    count_phrase,
    escape,
    mentions,
    section,
    slack_date,
)

Message = tuple[str, list[dict[str, Any]]]

OUR_SIDE_NOTE = "Our side only: the client never sees this."


def self_check_invitation(
    *,
    check_id: int,
    partnership_name: str,
    template_name: str,
    total: int,
    deadline_at: datetime,
    lead_user_id: str,
    for_lead: bool,
) -> Message:
    """The DM each of our people gets: *Answer now* opens the same form as an async check."""
    name = escape(partnership_name)
    text = (
        f"{escape(template_name)} for {name}: {count_phrase(total, 'question')} "
        f"for our side, until {deadline_at:%d %b %H:%M} UTC."
    )
    elements = [button("Answer now", ids.ANSWER_NOW, str(check_id), style="primary")]
    if for_lead:
        elements.append(
            {
                **button("Close now", ids.CLOSE_CHECK, str(check_id)),
                "confirm": confirm_dialog(
                    title="Close the self-check?",
                    text="Answers can't change after this, and its summary goes to our side.",
                    yes="Close it",
                    no="Keep it open",
                ),
            }
        )
    blocks = [
        section(
            f"*{escape(template_name)}* for *{name}*, started by {mentions([lead_user_id])}: "
            f"{count_phrase(total, 'question')} about our work with this client, to answer "
            f"by {slack_date(deadline_at)}. Press *Answer now*; you can change your answers "
            "until it closes."
        ),
        context(
            f"{OUR_SIDE_NOTE} The summary goes to {mentions([lead_user_id])} "
            "(or our internal channel), never to the channel shared with the client."
        ),
        {"type": "actions", "block_id": f"self_check:{check_id}", "elements": elements},
    ]
    return text, blocks


def self_check_started_text(
    *,
    channel_id: str,
    reached: Sequence[str],
    missed: Sequence[str],
    deadline_at: datetime,
    summary_to: str,
) -> str:
    """What the person who ran `/partnership self-check` is told (only they see it)."""
    lines = [
        f"I sent the self-check privately to {count_phrase(len(reached), 'person')} on our "
        f"side ({mentions(reached)}), to answer by {slack_date(deadline_at)}. Nothing about "
        f"it is posted in <#{channel_id}>; its summary goes to {summary_to}."
    ]
    if missed:
        lines.append(f"I couldn't message {mentions(missed)}; ask them to check their DMs.")
    return "\n".join(lines)


def our_side_summary_intro(partnership_name: str, template_name: str) -> dict[str, Any]:
    """The context block above a summary sent to our side only."""
    return context(
        f"{OUR_SIDE_NOTE} {escape(template_name)} of *{escape(partnership_name)}*: "
        "shown to our side only, never in the channel shared with the client."
    )


def internal_channel_text(channel_id: str | None, partnership_name: str) -> str:
    if channel_id is None:
        return (
            f"*{escape(partnership_name)}* has no internal channel: our side's summaries and "
            "the weekly digest go to the lead by direct message. Set one with "
            "`/partnership internal #channel` (a channel of our own workspace, not shared "
            "with the client)."
        )
    return (
        f"Our side's summaries and the weekly digest of *{escape(partnership_name)}* go to "
        f"<#{channel_id}>. `/partnership internal off` sends them to the lead by DM again."
    )


def internal_channel_welcome(partnership_name: str, user_id: str) -> Message:
    text = (
        f"This channel now receives our side's summaries and the weekly reflection digest "
        f"of {escape(partnership_name)}, set by {mentions([user_id])}."
    )
    return text, [section(text), context(OUR_SIDE_NOTE + " Keep this channel to our side.")]
