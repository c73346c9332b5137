"""Server-side limits on free text (the modals carry the same numbers as max_length).

Next steps (300) are limited by bot/domain/next_steps.py, which comes with issue 3."""

from __future__ import annotations

import pytest

from bot.blocks import modals
from bot.domain.answers import (
    COMMENT_MAX,
    TEXT_ANSWER_MAX,
    InvalidAnswer,
    clean_comment,
    clean_value,
)


def test_limits_are_the_product_ones() -> None:
    assert (modals.PARTNERSHIP_NAME_MAX, COMMENT_MAX, TEXT_ANSWER_MAX) == (80, 2000, 2000)


@pytest.mark.parametrize(
    ("clean", "limit"),
    [
        (clean_comment, COMMENT_MAX),
        (lambda raw: clean_value("text", [], raw), TEXT_ANSWER_MAX),
    ],
)
def test_text_at_the_limit_passes_and_one_more_is_refused(clean, limit: int) -> None:
    assert clean("é" * limit) == "é" * limit
    with pytest.raises(InvalidAnswer, match=f"at most {limit} characters"):
        clean("é" * (limit + 1))
