"""Channel messages of a running check. Pure: data in, Block Kit dicts out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.text import (
    button,
    confirm_dialog,
    context,
    escape,
    header,
    mention,
    mentions,
    plain,
    section,
    slack_date,
)
from bot.domain.summary import CLIENT_DEFAULT_NAME, OUR_DEFAULT_NAME
from bot.domain.wording import CLIENT_SIDE, OUR_SIDE, count_phrase
from bot.plumbing.numbers import row_id

MAX_ANSWER_BUTTONS = 5
# one row of buttons in a message on a laptop screen, in characters: a button takes its
# label plus about BUTTON_PADDING characters of padding and gap
ROW_WIDTH = 60
BUTTON_PADDING = 5


@dataclass(frozen=True)
class CheckInfo:
    id: int
    partnership_name: str
    template_name: str
    lead_user_id: str
    mode: str
    anonymous: bool
    total: int
    deadline_at: datetime | None = None
    client_user_ids: Sequence[str] = ()
    our_name: str = OUR_DEFAULT_NAME  # how the channel names each side
    client_name: str = CLIENT_DEFAULT_NAME


@dataclass(frozen=True)
class QuestionInfo:
    position: int
    text: str
    help: str
    kind: str
    dimension_label: str
    options: Sequence[Mapping[str, Any]] = ()
    sides: Sequence[str] = ("ours", "client")
    allow_comment: bool = True


@dataclass(frozen=True)
class Counts:
    """How many people answered, per side; never the values."""

    ours: int = 0
    client: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def phrase(self, check: CheckInfo) -> str:
        ours, client = escape(check.our_name), escape(check.client_name)
        return f"{self.ours} at {ours} · {self.client} at {client}"


def intro_message(check: CheckInfo) -> tuple[str, list[dict[str, Any]]]:
    name = escape(check.partnership_name)
    if check.mode == "live":
        how = (
            f"{count_phrase(check.total, 'question')}, one at a time: answer with the buttons "
            "and change your answer whenever you like until the check closes. "
            f"{mention(check.lead_user_id)} moves us on."
        )
    else:
        how = (
            f"{count_phrase(check.total, 'question')} to answer in your own time"
            + (f", until {slack_date(check.deadline_at)}" if check.deadline_at else "")
            + ". Press *Answer now*; you can come back and change your answers until it closes."
        )
    privacy = (
        "Answers stay anonymous in the summary."
        if check.anonymous
        else "The summary shows who said what."
    )
    text = f"Partnership check for {name}: {escape(check.template_name)}"
    blocks = [
        header(f"Partnership check · {check.partnership_name}"),
        section(
            f"{mention(check.lead_user_id)} started *{escape(check.template_name)}* "
            f"for *{name}*. {how}"
        ),
        context(
            f"Answering for {escape(check.client_name)}: {mentions(check.client_user_ids)}. "
            f"Everyone else here answers for {escape(check.our_name)}, and “we” in a question "
            f"means your own side. Until the check closes only the number of answers is shown. "
            f"{privacy}"
        ),
    ]
    return text, blocks


def question_message(
    check: CheckInfo, question: QuestionInfo, counts: Counts, *, state: str = "open"
) -> tuple[str, list[dict[str, Any]]]:
    """The live-mode card for one question; `state` is open, moved_on or closed.

    Everyone sees the same card, so it holds only what everyone may use: the answer
    controls, a comment and a next step. The lead's *Next question* and *Close check* come
    in a panel only the lead sees (lead_panel)."""
    progress = f"Question {question.position + 1} of {check.total} · {question.dimension_label}"
    text = f"{progress}: {question.text}"
    blocks: list[dict[str, Any]] = [
        section(f"*{progress}*\n{question.text}", block_id=f"q{question.position}")
    ]
    hints = [question.help] if question.help else []
    if set(question.sides) != {OUR_SIDE, CLIENT_SIDE}:
        names = {OUR_SIDE: check.our_name, CLIENT_SIDE: check.client_name}
        hints.append(f"For {escape(' and '.join(names[s] for s in question.sides))} only.")
    notes = [" ".join(hints)]
    if state == "open" and question.kind == "scale":
        notes.append(scale_legend(question.options))
    if any(notes):
        blocks.append(context("\n".join(note for note in notes if note)))
    if state == "open":
        blocks.append(
            {"type": "actions", "block_id": "answer", "elements": answer_controls(check, question)}
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": "extras",
                "elements": [
                    button("Add a comment", ids.ADD_COMMENT, _ref(check, question)),
                    button("Add next step", ids.ADD_NEXT_STEP, str(check.id)),
                ],
            }
        )
        blocks.append(context(f"Answered so far: {counts.phrase(check)}."))
    else:
        closing = "The check has moved on." if state == "moved_on" else "The check is closed."
        blocks.append(context(f"Answers: {counts.phrase(check)}. {closing}"))
    return text, blocks


def lead_panel(check: CheckInfo, position: int | None) -> tuple[str, list[dict[str, Any]]]:
    """The lead's own controls, posted so only the lead sees them (chat.postEphemeral).

    `position` is the live question the check is at (None for an async check)."""
    controls: list[dict[str, Any]] = []
    if position is not None and position + 1 < check.total:
        controls.append(
            button("Next question", ids.NEXT_QUESTION, f"{check.id}:{position}", style="primary")
        )
    controls.append(close_check_button(check.id))
    if position is None:
        where = "It closes by itself at its deadline, or when you close it."
    elif position + 1 < check.total:
        where = f"Move on when everyone has answered question {position + 1}."
    else:
        where = "This is the last question: close the check once everyone has answered."
    text = f"You lead this check. {where}"
    blocks = [
        section(f"*You lead this check.* {where}"),
        {"type": "actions", "block_id": "lead", "elements": controls},
        context("Only you see this. Lost it? Type `/partnership check` here to bring it back."),
    ]
    return text, blocks


def close_check_button(check_id: int) -> dict[str, Any]:
    return {
        **button("Close check", ids.CLOSE_CHECK, str(check_id)),
        "confirm": confirm_dialog(
            title="Close the check?",
            text="Answers can't change after this, and the summary goes to the channel.",
            yes="Close check",
            no="Keep it open",
        ),
    }


def scale_legend(options: Sequence[Mapping[str, Any]]) -> str:
    """What the short 1–5 buttons mean: "1 Strongly disagree · … · 5 Strongly agree"."""
    return " · ".join(f"*{option['value']}* {option['label']}" for option in options)


def answer_controls(check: CheckInfo, question: QuestionInfo) -> list[dict[str, Any]]:
    """Controls that fit on one row: five short buttons for a scale (the legend says what
    they mean), buttons for short choices, a menu for long ones, a form for text."""
    ref = _ref(check, question)
    if question.kind == "text":
        return [button("Write your answer", ids.WRITE_ANSWER, ref, style="primary")]
    options = list(question.options)
    if question.kind == "scale" or _fits_one_row(options):
        return [
            button(
                str(option["value"] if question.kind == "scale" else option["label"]),
                f"{ids.ANSWER}:{option['value']}",
                f"{ref}:{option['value']}",
            )
            for option in options
        ]
    return [
        {
            "type": "static_select",
            "action_id": ids.ANSWER_SELECT,
            "placeholder": plain("Choose your answer"),
            "options": [
                {"text": plain(str(option["label"])), "value": f"{ref}:{option['value']}"}
                for option in options
            ],
        }
    ]


def _fits_one_row(options: Sequence[Mapping[str, Any]]) -> bool:
    """Buttons whose labels fit one row of a message on a laptop screen."""
    width = sum(len(str(option["label"])) + BUTTON_PADDING for option in options)
    return len(options) <= MAX_ANSWER_BUTTONS and width <= ROW_WIDTH


def async_message(
    check: CheckInfo, counts: Counts, *, closed: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = intro_message(check)
    if closed:
        blocks.append(context(f"Answers: {counts.phrase(check)}. The check is closed."))
        return text, blocks
    blocks.append(
        {
            "type": "actions",
            "block_id": "async_controls",
            "elements": [
                button("Answer now", ids.ANSWER_NOW, str(check.id), style="primary"),
                button("Add next step", ids.ADD_NEXT_STEP, str(check.id)),
            ],
        }
    )
    blocks.append(context(f"Answered so far: {counts.phrase(check)}."))
    return text, blocks


def closing_message(
    check: CheckInfo, respondents: Counts, closed_by: str | None
) -> tuple[str, list[dict[str, Any]]]:
    who = f"{mention(closed_by)} closed" if closed_by else "The deadline closed"
    people = (
        f"{count_phrase(respondents.ours, 'person')} answered at {escape(check.our_name)} and "
        f"{count_phrase(respondents.client, 'person')} at {escape(check.client_name)}"
    )
    text = f"Check closed: {people}."
    blocks = [
        section(
            f":white_check_mark: {who} *{escape(check.template_name)}* for "
            f"*{escape(check.partnership_name)}*. {people}. Thank you all."
        )
    ]
    return text, blocks


def _ref(check: CheckInfo, question: QuestionInfo) -> str:
    return f"{check.id}:{question.position}"


def parse_ref(value: str) -> tuple[int, int, str | None]:
    """Split a control's value "check:position[:answer]"; ValueError if it is not one."""
    parts = value.split(":", 2)
    check_id = row_id(parts[0])
    position = row_id(parts[1]) if len(parts) > 1 else None
    if check_id is None or position is None:
        raise ValueError("not a question reference")
    return check_id, position, parts[2] if len(parts) == 3 else None
