"""Channel messages of a running check. Pure: data in, Block Kit dicts out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.text import (
    button,
    context,
    count_phrase,
    escape,
    header,
    mention,
    mentions,
    section,
    slack_date,
    trim,
)
from bot.plumbing.numbers import row_id

MAX_ANSWER_BUTTONS = 5


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


@dataclass(frozen=True)
class QuestionInfo:
    position: int
    text: str
    help: str
    kind: str
    dimension_label: str
    options: Sequence[Mapping[str, Any]] = ()
    sides: Sequence[str] = ("ours", "client")


@dataclass(frozen=True)
class Counts:
    """How many people answered, per side; never the values."""

    ours: int = 0
    client: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def phrase(self) -> str:
        return f"{self.ours} on our side · {self.client} on the client side"


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
    text = f"Partnership check for {name}: {check.template_name}"
    blocks = [
        header(trim(f"Partnership check · {check.partnership_name}", 150)),
        section(
            f"{mention(check.lead_user_id)} started *{escape(check.template_name)}* "
            f"for *{name}*. {how}"
        ),
        context(
            f"Client side: {mentions(check.client_user_ids)}. Everyone else here answers "
            f"for our side. Until the check closes only the number of answers is shown. {privacy}"
        ),
    ]
    return text, blocks


def question_message(
    check: CheckInfo, question: QuestionInfo, counts: Counts, *, state: str = "open"
) -> tuple[str, list[dict[str, Any]]]:
    """The live-mode card for one question; `state` is open, moved_on or closed."""
    progress = f"Question {question.position + 1} of {check.total} · {question.dimension_label}"
    text = f"{progress}: {question.text}"
    blocks: list[dict[str, Any]] = [
        section(f"*{progress}*\n{question.text}", block_id=f"q{question.position}")
    ]
    hints = [question.help] if question.help else []
    if tuple(question.sides) == ("ours",):
        hints.append("For our side only.")
    elif tuple(question.sides) == ("client",):
        hints.append("For the client side only.")
    if hints:
        blocks.append(context(" ".join(hints)))
    if state == "open":
        blocks.append(
            {"type": "actions", "block_id": "answer", "elements": answer_controls(check, question)}
        )
        lead_controls = [
            button("Add a comment", ids.ADD_COMMENT, _ref(check, question)),
            button("Add next step", ids.ADD_NEXT_STEP, str(check.id)),
        ]
        if question.position + 1 < check.total:
            lead_controls.append(
                button("Next question", ids.NEXT_QUESTION, _ref(check, question), style="primary")
            )
        lead_controls.append(button("Close check", ids.CLOSE_CHECK, str(check.id)))
        blocks.append({"type": "actions", "block_id": "controls", "elements": lead_controls})
        blocks.append(context(f"Answered so far: {counts.phrase()}."))
    else:
        closing = "The check has moved on." if state == "moved_on" else "The check is closed."
        blocks.append(context(f"Answers: {counts.phrase()}. {closing}"))
    return text, blocks


def answer_controls(check: CheckInfo, question: QuestionInfo) -> list[dict[str, Any]]:
    ref = _ref(check, question)
    if question.kind == "text":
        return [button("Write your answer", ids.WRITE_ANSWER, ref, style="primary")]
    options = list(question.options)
    if len(options) <= MAX_ANSWER_BUTTONS:
        return [
            button(
                _answer_text(question.kind, option),
                f"{ids.ANSWER}:{option['value']}",
                f"{ref}:{option['value']}",
            )
            for option in options
        ]
    return [
        {
            "type": "static_select",
            "action_id": ids.ANSWER_SELECT,
            "placeholder": {"type": "plain_text", "text": "Choose an answer"},
            "options": [
                {
                    "text": {"type": "plain_text", "text": trim(str(option["label"]), 75)},
                    "value": f"{ref}:{option['value']}",
                }
                for option in options
            ],
        }
    ]


def async_message(
    check: CheckInfo, counts: Counts, *, closed: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = intro_message(check)
    if closed:
        blocks.append(context(f"Answers: {counts.phrase()}. The check is closed."))
        return text, blocks
    blocks.append(
        {
            "type": "actions",
            "block_id": "async_controls",
            "elements": [
                button("Answer now", ids.ANSWER_NOW, str(check.id), style="primary"),
                button("Add next step", ids.ADD_NEXT_STEP, str(check.id)),
                button("Close check", ids.CLOSE_CHECK, str(check.id)),
            ],
        }
    )
    blocks.append(context(f"Answered so far: {counts.phrase()}."))
    return text, blocks


def closing_message(
    check: CheckInfo, respondents: Counts, closed_by: str | None
) -> tuple[str, list[dict[str, Any]]]:
    who = f"{mention(closed_by)} closed" if closed_by else "The deadline closed"
    people = (
        f"{count_phrase(respondents.ours, 'person')} answered on our side and "
        f"{count_phrase(respondents.client, 'person')} on the client side"
    ).replace("persons", "people")
    text = f"Check closed: {people}."
    blocks = [
        section(
            f":white_check_mark: {who} *{escape(check.template_name)}* for "
            f"*{escape(check.partnership_name)}*. {people}. Thank you all."
        )
    ]
    return text, blocks


def _answer_text(kind: str, option: Mapping[str, Any]) -> str:
    """Scale buttons carry their number too, so the order reads at a glance."""
    if kind == "scale":
        return f"{option['value']} · {option['label']}"
    return str(option["label"])


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
