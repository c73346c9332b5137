"""Taking one person out of what is stored about others: the counts stay, their name and
words go. Pure: stored JSON in, stored JSON out."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from copy import deepcopy
from typing import Any

# Put where a person's id stood in a row that belongs to others too (the lead of a check,
# who created a partnership, who cancelled a meeting): the row stays, the person goes.
FORGOTTEN = "forgotten"

# (question text, text) of a comment or a free-text answer
Words = tuple[str, str]


def scrub_summary(
    summary: Mapping[str, Any], *, user_id: str, their_words: Collection[Words]
) -> dict[str, Any]:
    """The stored summary without `user_id`: their name is taken off the deal breakers they
    raised (the count stays), their comments and free-text answers are taken out (matched by
    id, or by question and text in an anonymous check, where comments carry no id; the
    comments total stays), and next steps they owned have no owner."""
    scrubbed = deepcopy(dict(summary))
    for deal_breaker in scrubbed.get("deal_breakers") or []:
        deal_breaker["people"] = [
            person for person in deal_breaker.get("people") or [] if person[0] != user_id
        ]
    words = set(their_words)
    scrubbed["comments"] = [
        comment
        for comment in scrubbed.get("comments") or []
        if not _theirs(comment, user_id, words)
    ]
    for step in scrubbed.get("next_steps") or []:
        if step.get("owner_user_id") == user_id:
            step["owner_user_id"] = None
    return scrubbed


def _theirs(comment: Mapping[str, Any], user_id: str, words: set[Words]) -> bool:
    author = comment.get("user_id")
    if author is not None:
        return bool(author == user_id)
    return (comment["question"], comment["text"]) in words


def scrub_detail(detail: Mapping[str, Any] | None, *, user_id: str) -> dict[str, Any] | None:
    """A signal's detail with the person who acted replaced by FORGOTTEN."""
    if detail is None:
        return None
    return {key: FORGOTTEN if value == user_id else value for key, value in detail.items()}
