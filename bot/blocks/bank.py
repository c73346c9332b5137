"""The question bank as a workspace admin sees it in the App Home. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.summary import pack_lines
from bot.blocks.text import context, count_phrase, escape, header, plain

OPTIONS_MAX = 100  # a static select's limit
SECTIONS_PER_TEMPLATE = 4  # a template's questions, whole, in sections of at most 2900 chars


@dataclass(frozen=True)
class QuestionLine:
    id: str
    text: str
    custom: bool
    retired: bool


@dataclass(frozen=True)
class TemplateLine:
    id: str
    name: str
    custom: bool
    questions: Sequence[QuestionLine]


@dataclass(frozen=True)
class BankView:
    templates: Sequence[TemplateLine]


def bank_blocks(bank: BankView) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        header("Question bank"),
        context(
            "Templates and their questions; _custom_ ones come from your own folder "
            "(`PARTNERCHECK_QUESTIONS_DIR`). A retired question is left out of new checks; "
            "checks that asked it keep it."
        ),
    ]
    for template in bank.templates:
        blocks += _template_blocks(template)
    questions = {q.id: q for t in bank.templates for q in t.questions}
    active = [q for q in questions.values() if not q.retired]
    retired = [q for q in questions.values() if q.retired]
    elements = []
    if active:
        elements.append(_select(ids.RETIRE_QUESTION, "Choose a question to retire", active))
    if retired:
        elements.append(_select(ids.RESTORE_QUESTION, "Choose one to bring back", retired))
    if elements:
        blocks.append({"type": "actions", "block_id": "bank", "elements": elements})
    return blocks


def _template_blocks(template: TemplateLine) -> list[dict[str, Any]]:
    """The template's name, then each question whole with its id (the menus name only ids)."""
    custom = " _(custom)_" if template.custom else ""
    lines = []
    for question in template.questions:
        marks = (" _(custom)_" if question.custom else "") + (
            " ~retired~" if question.retired else ""
        )
        lines.append(f"• `{question.id}`{marks} {escape(question.text)}")
    blocks, left = pack_lines(
        lines,
        max_blocks=SECTIONS_PER_TEMPLATE,
        first=f"*{escape(template.name)}*{custom} · `{template.id}`",
    )
    if left:
        blocks.append(context(f"…and {count_phrase(left, 'more question')} in the bank files."))
    return blocks


def _select(action_id: str, placeholder: str, questions: list[QuestionLine]) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder),
        "options": [{"text": plain(q.id), "value": q.id} for q in questions[:OPTIONS_MAX]],
    }
