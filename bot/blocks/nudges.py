"""Block Kit for reflection nudges: the DM, its later states, and the reflection modal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import ids, modals
from bot.blocks.checks import QuestionInfo
from bot.blocks.meetings import TITLE_MAX  # what the meeting form accepts: shown whole
from bot.blocks.text import (
    button,
    confirm_dialog,
    context,
    escape,
    plain,
    section,
    slack_date,
    trim,
)


@dataclass(frozen=True)
class NudgeInfo:
    request_id: int
    meeting_title: str
    partnership_name: str
    channel_id: str
    ended_at: datetime


Message = tuple[str, list[dict[str, Any]]]


def meeting_phrase(info: NudgeInfo, *, bold: bool = True) -> str:
    """*Meeting title* with Partnership, escaped (`bold=False` for notification texts)."""
    title = escape(trim(info.meeting_title, TITLE_MAX))
    return f"{f'*{title}*' if bold else title} with {escape(info.partnership_name)}"


def reflect_now_button(request_id: int) -> dict[str, Any]:
    """Opens the reflection form (handlers/nudges.py), from the DM or the App Home alike."""
    return button("Reflect now", ids.REFLECT_NOW, str(request_id), style="primary")


def _controls(request_id: int) -> dict[str, Any]:
    snooze = {
        "type": "static_select",
        "action_id": ids.SNOOZE_NUDGE,
        "placeholder": plain("Snooze"),
        "options": [
            {"text": plain("Snooze 1 hour"), "value": f"{request_id}:hour"},
            {"text": plain("Snooze until tomorrow morning"), "value": f"{request_id}:tomorrow"},
        ],
    }
    return {
        "type": "actions",
        "block_id": f"nudge:{request_id}",
        "elements": [
            reflect_now_button(request_id),
            snooze,
            {
                **button("Skip this one", ids.SKIP_NUDGE, str(request_id)),
                "confirm": confirm_dialog(
                    title="Skip this reflection?",
                    text="I won't ask about this meeting again, and it can't be undone.",
                    yes="Skip it",
                    no="Keep it",
                ),
            },
        ],
    }


def nudge_message(info: NudgeInfo) -> Message:
    text = f"How did {meeting_phrase(info, bold=False)} go? Time to reflect."
    blocks = [
        section(
            f"How did {meeting_phrase(info)} go? A few minutes now, while it is fresh, "
            "helps us serve them better next time."
        ),
        context(
            f"The meeting ended {slack_date(info.ended_at)}. "
            "Your answers stay private to you unless you share them with our team; "
            "the client never sees them."
        ),
        _controls(info.request_id),
    ]
    return trim(text, 3000), blocks


def reminder_message(info: NudgeInfo, *, snoozed: bool) -> Message:
    if snoozed:
        opening = f"Here is the reflection on {meeting_phrase(info)} you asked me to bring back."
        text = f"Your snoozed reflection on {meeting_phrase(info, bold=False)} is back."
        note = "Skip it if it no longer fits; I won't ask again."
    else:
        opening = f"A gentle reminder: your reflection on {meeting_phrase(info)} is still open."
        text = f"Reminder: reflect on {meeting_phrase(info, bold=False)}."
        note = "This is the only reminder; skip it and I won't ask again about this meeting."
    blocks = [section(opening), context(note), _controls(info.request_id)]
    return trim(text, 3000), blocks


def answered_message(info: NudgeInfo, *, shared: bool) -> Message:
    where = (
        "and shared with our team: the lead's digest shows your notes with your name "
        "(never the client)"
        if shared
        else "and private to you: the lead's digest counts it but never quotes it"
    )
    text = f"Thank you: your reflection on {meeting_phrase(info)} is saved {where}."
    return text, [section(text)]


def skipped_message(info: NudgeInfo) -> Message:
    text = f"Skipped: no more reminders about {meeting_phrase(info)}."
    return text, [section(text)]


def snoozed_message(info: NudgeInfo, until: datetime) -> Message:
    text = (
        f"Snoozed: I'll bring back your reflection on {meeting_phrase(info)} {slack_date(until)}."
    )
    return text, [section(text)]


def reflection_modal(
    *,
    request_id: int,
    info: NudgeInfo,
    questions: Sequence[QuestionInfo],
    existing: Mapping[int, tuple[str | None, str | None]],
) -> dict[str, Any]:
    """Every reflection question, then an explicit choice to share the answers."""
    view = modals.async_answers_modal(
        check_id=request_id,
        title="Meeting reflection",
        questions=questions,
        page=0,
        total=len(questions),
        existing=existing,
    )
    view["callback_id"] = ids.REFLECTION_VIEW
    view["private_metadata"] = str(request_id)
    view["submit"] = plain("Save", limit=24)
    intro = section(
        f"Reflecting on {meeting_phrase(info)}. Answer what is useful and leave the rest blank."
    )
    share = {
        "type": "input",
        "block_id": ids.SHARE_BLOCK,
        "optional": True,
        "label": plain("Who sees this", limit=2000),
        "element": {
            "type": "checkboxes",
            "action_id": ids.SHARE_INPUT,
            "options": [
                {
                    "text": plain("Share with my team", limit=75),
                    "description": plain(
                        "Quoted with your name in the lead's digest; never shown to the client.",
                        limit=75,
                    ),
                    "value": "share",
                }
            ],
        },
    }
    view["blocks"] = [intro, *view["blocks"], share]
    return view
