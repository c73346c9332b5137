"""Counts and side names in English, from one place. Pure.

Every "3 needs", "1 person", "both sides" or "the client side" the app writes comes from
here, so a count of one never reads "1 needs" and a side never reads "the our side".
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

OUR_SIDE = "ours"
CLIENT_SIDE = "client"

# the side as a noun phrase, article included: "for our side", "for the client side"
SIDE_NAMES = {OUR_SIDE: "our side", CLIENT_SIDE: "the client side"}
# the side as a tag after a name, no article: "@ann (client side)"
SIDE_TAGS = {OUR_SIDE: "our side", CLIENT_SIDE: "client side"}
IRREGULAR_PLURALS = {"person": "people", "reply": "replies", "summary": "summaries"}


def plural(noun: str, count: int) -> str:
    """`noun` as it reads after `count`: "need" for 1, "needs" otherwise.

    Only the last word changes: plural("open next step", 2) is "open next steps"."""
    if count == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    many = IRREGULAR_PLURALS.get(last, last + "s")
    return f"{head} {many}" if head else many


def count_phrase(count: int, noun: str) -> str:
    """ "1 need", "3 needs", "2 people"."""
    return f"{count} {plural(noun, count)}"


def all_of(count: int, noun: str) -> str:
    """Every one of `count` things: "the 1 need", "both needs", "all 5 needs"."""
    if count == 1:
        return f"the 1 {noun}"
    if count == 2:
        return f"both {plural(noun, 2)}"
    return f"all {count_phrase(count, noun)}"


def side_name(side: str) -> str:
    """ "our side" or "the client side" (unknown sides are shown as they are)."""
    return SIDE_NAMES.get(side, side)


def side_tag(side: str) -> str:
    """ "our side" or "client side", for a tag such as "@ann (client side)"."""
    return SIDE_TAGS.get(side, side)


def sides_name(sides: Iterable[str]) -> str:
    """Who a question is for: "our side", "the client side" or "both sides"."""
    listed = list(dict.fromkeys(sides))
    if set(listed) == {OUR_SIDE, CLIENT_SIDE}:
        return "both sides"
    return " and ".join(side_name(side) for side in listed) or "nobody"


def one_decimal(value: float) -> str:
    """A figure as people round it: "4.3" for 4.25, "2.8" for 2.75 (half up, the way a
    reader checks it by hand; Python's own rounding gives 4.2 and 2.8). The value is first
    rounded to 9 places only to clear binary noise (4.25 held as 4.2499999…), never to 2,
    which would carry 4.048 up to 4.05 and show 4.1."""
    return str(Decimal(repr(round(value, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
