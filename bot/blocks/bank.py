"""The question bank as a workspace admin sees it in the App Home. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.text import context, escape, header, plain, section, trim

QUESTION_SHOWN_MAX = 90
OPTIONS_MAX = 100  # a static select's limit


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
    blocks += [section(_template_text(template)) for template in bank.templates]
    questions = {q.id: q for t in bank.templates for q in t.questions}
    active = [q for q in questions.values() if not q.retired]
    retired = [q for q in questions.values() if q.retired]
    elements = []
    if active:
        elements.append(_select(ids.RETIRE_QUESTION, "Retire a question…", active))
    if retired:
        elements.append(_select(ids.RESTORE_QUESTION, "Bring a question back…", retired))
    if elements:
        blocks.append({"type": "actions", "block_id": "bank", "elements": elements})
    return blocks


def _template_text(template: TemplateLine) -> str:
    custom = " _(custom)_" if template.custom else ""
    lines = [f"*{escape(template.name)}*{custom} · `{template.id}`"]
    for question in template.questions:
        marks = (" _(custom)_" if question.custom else "") + (
            " ~retired~" if question.retired else ""
        )
        text = escape(trim(question.text, QUESTION_SHOWN_MAX))
        lines.append(f"• `{question.id}`{marks} {text}")
    return "\n".join(lines)


def _select(action_id: str, placeholder: str, questions: list[QuestionLine]) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder),
        "options": [
            {"text": plain(f"{q.id} · {q.text}"), "value": q.id} for q in questions[:OPTIONS_MAX]
        ],
    }
