"""What counts as a valid answer, and which side a person answers for. Pure."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from bot.domain.wording import CLIENT_SIDE as CLIENT_SIDE
from bot.domain.wording import OUR_SIDE as OUR_SIDE
from bot.domain.wording import SIDE_NAMES

COMMENT_MAX = 2000
TEXT_ANSWER_MAX = 2000

SIDE_LABELS = SIDE_NAMES  # "our side", "the client side": see bot/domain/wording.py


class InvalidAnswer(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_value(kind: str, options: Sequence[dict[str, Any]], raw: str | None) -> str:
    """The value to store for `raw`, or InvalidAnswer with a reason a person can act on."""
    value = (raw or "").strip()
    if kind == "text":
        if not value:
            raise InvalidAnswer("Write something before saving your answer.")
        if len(value) > TEXT_ANSWER_MAX:
            raise InvalidAnswer(
                f"Answers can be at most {TEXT_ANSWER_MAX} characters; yours has {len(value)}."
            )
        return value
    allowed = [str(option["value"]) for option in options]
    if value not in allowed:
        raise InvalidAnswer("That is not one of this question's answers; pick one of the buttons.")
    return value


def clean_comment(raw: str | None) -> str | None:
    comment = (raw or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidAnswer(
            f"Comments can be at most {COMMENT_MAX} characters; yours has {len(comment)}."
        )
    return comment or None


def side_of(
    user_id: str,
    *,
    user_team_id: str | None,
    home_team_id: str,
    client_user_ids: Collection[str],
) -> str:
    """Client side if named so when the check started, or from another workspace."""
    if user_id in client_user_ids:
        return CLIENT_SIDE
    if user_team_id and user_team_id != home_team_id:
        return CLIENT_SIDE
    return OUR_SIDE


def option_label(options: Sequence[dict[str, Any]], value: str | None) -> str:
    for option in options:
        if str(option["value"]) == value:
            return str(option["label"])
    return value or ""
