"""Modals: starting a check, writing a comment or a text answer, answering an async check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.checks import QuestionInfo
from bot.blocks.text import context, plain, section, trim
from bot.domain.answers import COMMENT_MAX, TEXT_ANSWER_MAX

PARTNERSHIP_NAME_MAX = 80
ORG_NAME_MAX = 60
QUESTIONS_PER_PAGE = 10


@dataclass(frozen=True)
class TemplateChoice:
    id: str
    name: str
    description: str


def start_check_modal(
    *,
    channel_id: str,
    partnership_name: str | None,
    templates: Sequence[TemplateChoice],
    proposed_client_users: Sequence[str],
    default_deadline: datetime,
    our_org_name: str | None = None,
    client_org_name: str | None = None,
) -> dict[str, Any]:
    template_options = [
        {
            "text": plain(t.name),
            "value": t.id,
            # a template of your own may have no description; Slack refuses an empty one
            **({"description": plain(t.description, limit=75)} if t.description else {}),
        }
        for t in templates
    ]
    name_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.NAME_INPUT,
        "max_length": PARTNERSHIP_NAME_MAX,
        "placeholder": plain("e.g. Acme × Northwind"),
    }
    if partnership_name:
        name_input["initial_value"] = trim(partnership_name, PARTNERSHIP_NAME_MAX)
    client_input: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": ids.CLIENT_INPUT,
        "placeholder": plain("People from the client"),
    }
    if proposed_client_users:
        client_input["initial_users"] = list(proposed_client_users)[:100]
    mode_options = [
        {"text": plain("Live: I pace the questions now"), "value": "live"},
        {"text": plain("Async: everyone answers by a deadline"), "value": "async"},
    ]
    privacy_options = [
        {"text": plain("Attributed: the summary shows who said what"), "value": "attributed"},
        {"text": plain("Anonymous: only totals per side"), "value": "anonymous"},
    ]
    return {
        "type": "modal",
        "callback_id": ids.START_CHECK_VIEW,
        "private_metadata": channel_id,
        "title": plain("Partnership check", limit=24),
        "submit": plain("Start check", limit=24),
        "close": plain("Cancel", limit=24),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.NAME_BLOCK,
                "label": plain("Partnership"),
                "element": name_input,
            },
            {
                "type": "input",
                "block_id": ids.TEMPLATE_BLOCK,
                "label": plain("Template"),
                "element": {
                    "type": "static_select",
                    "action_id": ids.TEMPLATE_INPUT,
                    "options": template_options,
                    "initial_option": template_options[0],
                },
            },
            {
                "type": "input",
                "block_id": ids.CLIENT_BLOCK,
                "optional": True,
                "label": plain("Who is on the client side?"),
                "hint": plain(
                    "Everyone else who answers counts as our side. People from the "
                    "client's own Slack workspace count as client side anyway.",
                    limit=2000,
                ),
                "element": client_input,
            },
            _org_input(
                ids.OUR_ORG_BLOCK,
                ids.OUR_ORG_INPUT,
                "Our organisation",
                our_org_name,
                "e.g. Acme Consulting",
            ),
            _org_input(
                ids.CLIENT_ORG_BLOCK,
                ids.CLIENT_ORG_INPUT,
                "The client's organisation",
                client_org_name,
                "e.g. Northwind",
            ),
            {
                "type": "input",
                "block_id": ids.MODE_BLOCK,
                "label": plain("How do we answer?"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": ids.MODE_INPUT,
                    "options": mode_options,
                    "initial_option": mode_options[0],
                },
            },
            {
                "type": "input",
                "block_id": ids.DEADLINE_BLOCK,
                "optional": True,
                "label": plain("Deadline (async only)"),
                "hint": plain("When an async check closes by itself.", limit=2000),
                "element": {
                    "type": "datetimepicker",
                    "action_id": ids.DEADLINE_INPUT,
                    "initial_date_time": int(default_deadline.timestamp()),
                },
            },
            {
                "type": "input",
                "block_id": ids.PRIVACY_BLOCK,
                "label": plain("In the summary"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": ids.PRIVACY_INPUT,
                    "options": privacy_options,
                    "initial_option": privacy_options[0],
                },
            },
        ],
    }


def _org_input(
    block_id: str, action_id: str, label: str, initial: str | None, example: str
) -> dict[str, Any]:
    """How summaries, charts and exports name one side; prefilled from the workspace names."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "max_length": ORG_NAME_MAX,
        "placeholder": plain(example),
    }
    if initial:
        element["initial_value"] = trim(initial, ORG_NAME_MAX)
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label),
        "hint": plain("How the summary and its chart name this side.", limit=2000),
        "element": element,
    }


def comment_modal(*, reference: str, question_text: str, current: str | None) -> dict[str, Any]:
    return _one_text_modal(
        callback_id=ids.COMMENT_VIEW,
        title="Add a comment",
        reference=reference,
        question_text=question_text,
        input_ids=(ids.COMMENT_BLOCK, ids.COMMENT_INPUT),
        label="Your comment",
        max_length=COMMENT_MAX,
        current=current,
        optional_hint="Leave it empty to remove your comment.",
    )


def text_answer_modal(*, reference: str, question_text: str, current: str | None) -> dict[str, Any]:
    return _one_text_modal(
        callback_id=ids.TEXT_ANSWER_VIEW,
        title="Your answer",
        reference=reference,
        question_text=question_text,
        input_ids=(ids.TEXT_ANSWER_BLOCK, ids.TEXT_ANSWER_INPUT),
        label="Your answer",
        max_length=TEXT_ANSWER_MAX,
        current=current,
    )


def _one_text_modal(
    *,
    callback_id: str,
    title: str,
    reference: str,
    question_text: str,
    input_ids: tuple[str, str],
    label: str,
    max_length: int,
    current: str | None,
    optional_hint: str | None = None,
) -> dict[str, Any]:
    """A question and one multi-line text box, prefilled; optional when it has a hint."""
    block_id, action_id = input_ids
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": max_length,
    }
    if current:
        element["initial_value"] = current
    text_input: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
    }
    if optional_hint:
        text_input.update(optional=True, hint=plain(optional_hint, limit=2000))
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": reference,
        "title": plain(title, limit=24),
        "submit": plain("Save", limit=24),
        "close": plain("Cancel", limit=24),
        "blocks": [section(question_text), text_input],
    }


def async_answers_modal(
    *,
    check_id: int,
    title: str,
    questions: Sequence[QuestionInfo],
    page: int,
    total: int,
    existing: Mapping[int, tuple[str | None, str | None]],
) -> dict[str, Any]:
    """One page of an async check's questions, prefilled with the person's earlier answers."""
    pages = max(1, -(-len(questions) // QUESTIONS_PER_PAGE))
    chunk = questions[page * QUESTIONS_PER_PAGE : (page + 1) * QUESTIONS_PER_PAGE]
    blocks: list[dict[str, Any]] = []
    if pages > 1:
        blocks.append(context(f"Page {page + 1} of {pages}. Your answers are saved page by page."))
    for question in chunk:
        value, comment = existing.get(question.position, (None, None))
        blocks.append(_async_value_input(question, value, total))
        if not question.allow_comment:
            continue  # the bank says this question takes no comment
        comment_element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": ids.ASYNC_COMMENT_INPUT,
            "max_length": COMMENT_MAX,
            "placeholder": plain("Optional comment"),
        }
        if comment:
            comment_element["initial_value"] = comment
        blocks.append(
            {
                "type": "input",
                "block_id": ids.async_comment_block(question.position),
                "optional": True,
                "label": plain("Comment", limit=2000),
                "element": comment_element,
            }
        )
    last = page + 1 >= pages
    return {
        "type": "modal",
        "callback_id": ids.ASYNC_ANSWERS_VIEW,
        "private_metadata": f"{check_id}:{page}",
        "title": plain(title, limit=24),
        "submit": plain("Submit" if last else "Save and continue", limit=24),
        "close": plain("Cancel", limit=24),
        "blocks": blocks,
    }


def _async_value_input(question: QuestionInfo, value: str | None, total: int) -> dict[str, Any]:
    label = f"{question.position + 1}/{total} · {question.dimension_label}: {question.text}"
    element: dict[str, Any]
    if question.kind == "text":
        element = {
            "type": "plain_text_input",
            "action_id": ids.ASYNC_VALUE_INPUT,
            "multiline": True,
            "max_length": TEXT_ANSWER_MAX,
        }
        if value:
            element["initial_value"] = value
    else:
        options = [
            {"text": plain(str(option["label"])), "value": str(option["value"])}
            for option in question.options
        ]
        element = {"type": "radio_buttons", "action_id": ids.ASYNC_VALUE_INPUT, "options": options}
        chosen = [option for option in options if option["value"] == value]
        if chosen:
            element["initial_option"] = chosen[0]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": ids.async_value_block(question.position),
        "optional": True,
        "label": plain(label, limit=2000),
        "element": element,
    }
    if question.help:
        block["hint"] = plain(question.help, limit=2000)
    return block
