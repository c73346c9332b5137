"""Next steps: the modal to add one, the note in the channel, the carried-forward list. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.text import context, escape, mention, plain, section, trim
from bot.domain.next_steps import STEP_TEXT_MAX

CARRIED_SHOWN_MAX = 40


@dataclass(frozen=True)
class StepInfo:
    id: int
    text: str
    owner_user_id: str | None
    due: date | None
    done: bool


def next_step_modal(*, check_id: int, partnership_name: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.NEXT_STEP_VIEW,
        "private_metadata": str(check_id),
        "title": plain("Add next step", limit=24),
        "submit": plain("Add", limit=24),
        "close": plain("Cancel", limit=24),
        "blocks": [
            context(
                f"A concrete commitment for *{escape(partnership_name)}*. It is listed in the "
                "summary and brought back at the next check until someone marks it done."
            ),
            {
                "type": "input",
                "block_id": ids.STEP_TEXT_BLOCK,
                "label": plain("What will happen?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.STEP_TEXT_INPUT,
                    "max_length": STEP_TEXT_MAX,
                    "placeholder": plain("e.g. Share the draft roadmap with their team"),
                },
            },
            {
                "type": "input",
                "block_id": ids.STEP_OWNER_BLOCK,
                "label": plain("Who owns it?"),
                "hint": plain("Anyone from either side.", limit=2000),
                "element": {
                    "type": "users_select",
                    "action_id": ids.STEP_OWNER_INPUT,
                    "placeholder": plain("Pick a person"),
                },
            },
            {
                "type": "input",
                "block_id": ids.STEP_DUE_BLOCK,
                "optional": True,
                "label": plain("Due by"),
                "element": {
                    "type": "datepicker",
                    "action_id": ids.STEP_DUE_INPUT,
                    "placeholder": plain("Pick a date"),
                },
            },
        ],
    }


def step_added_message(step: StepInfo, added_by: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Next step added: {escape(trim(step.text, STEP_TEXT_MAX))}"
    return text, [context(f":pushpin: {mention(added_by)} added a next step: {describe(step)}")]


def carried_forward_message(
    partnership_name: str, steps: Sequence[StepInfo], *, marked_by: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Open next steps from earlier checks, each with a Mark done button (anyone may press)."""
    still_open = sum(1 for s in steps if not s.done)
    text = f"{still_open} next steps from earlier checks are still open"
    blocks: list[dict[str, Any]] = [
        section(
            f":spiral_note_pad: *Next steps from earlier checks of {escape(partnership_name)}*\n"
            "Anyone here can mark one done; the summary of this check will show where each stands."
        )
    ]
    for step in steps[:CARRIED_SHOWN_MAX]:
        if step.done:
            blocks.append(section(f":white_check_mark: ~{describe(step)}~ · done"))
        else:
            blocks.append(
                {
                    **section(f":hourglass: {describe(step)}"),
                    "accessory": {
                        "type": "button",
                        "text": plain("Mark done"),
                        "action_id": ids.MARK_STEP_DONE,
                        "value": str(step.id),
                    },
                }
            )
    extra = len(steps) - CARRIED_SHOWN_MAX
    notes = []
    if extra > 0:
        notes.append(f"…and {extra} more; they are all in the summary when this check closes.")
    if marked_by:
        notes.append(f"Last marked done by {mention(marked_by)}.")
    if notes:
        blocks.append(context(" ".join(notes)))
    return text, blocks


def describe(step: StepInfo) -> str:
    owner = mention(step.owner_user_id) if step.owner_user_id else "no owner yet"
    due = f", due {step.due.strftime('%a %-d %b %Y')}" if step.due else ""
    return f"{escape(trim(step.text, STEP_TEXT_MAX))} — {owner}{due}"
