"""The rules of bot/usecases/permissions.py, tested as a table, and no action without a row."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from bot.blocks import ids
from bot.usecases.permissions import RULES, Actor, Who, permits, refusal
from handlers.commands import SUBCOMMANDS
from tests.support.harness import Harness
from tests.usecases.permission_table import EXPECTED, PERSONAS


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_action_allows_exactly_the_people_in_the_table(action: str) -> None:
    observed = "".join("✓" if permits(RULES[action], p) else "·" for p in PERSONAS.values())
    assert observed == EXPECTED[action], f"{action}: {list(PERSONAS)}"


@pytest.mark.parametrize("action", sorted(RULES))
def test_every_refusal_names_who_can(action: str) -> None:
    rule = RULES[action]
    if Who.ANYONE in rule.allows:
        return
    actor = Actor(user_id="U0X", team_id="T0", channel_id="C0", lead_id="U0L", owner_id="U0O")
    text = refusal(rule, actor)
    assert text.startswith("Only ") and rule.doing in text
    named = {
        Who.IN_CHANNEL: "<#C0>",
        Who.OUR_MEMBER: "<#C0>",
        Who.OUR_SIDE: "our side",
        Who.LEAD: "<@U0L>",
        Who.ADMIN: "workspace admin",
        Who.OWNER: "<@U0O>",
        Who.INVOLVED: "people in this partnership",
        Who.PRACTICE_LEAD: "practice lead",
    }
    for who in rule.allows:
        assert named[who] in text, (action, who, text)


def registered_ids(bolt: object) -> set[str]:
    """The action_ids and callback_ids Bolt's listeners match, read from their matchers'
    closures (Bolt wraps the constraint in a function wrapped in a coroutine function)."""
    found: set[str] = set()

    def look(value: Any, depth: int) -> None:
        if isinstance(value, str) and value.startswith("pc."):
            found.add(value)
        elif isinstance(value, re.Pattern) and value.pattern.startswith("^pc."):
            found.add(value.pattern.strip("^:"))
        elif callable(value) and depth < 4:
            for cell in getattr(value, "__closure__", None) or ():
                look(cell.cell_contents, depth + 1)

    for listener in bolt._async_listeners:  # type: ignore[attr-defined]
        for matcher in listener.matchers:
            look(matcher.func, 0)
    return found


async def test_no_action_without_a_row(harness: Harness) -> None:
    """Every subcommand, action_id and callback_id registered in the app has a rule, and the
    table above has the same rows as the rules."""
    missing = [
        f"/partnership {name}" for name in SUBCOMMANDS if f"/partnership {name}" not in RULES
    ]
    bolt_ids = registered_ids(harness.bolt)
    assert ids.NEXT_QUESTION in bolt_ids and ids.REFLECTION_VIEW in bolt_ids  # the probe works
    missing += sorted(bolt_ids - set(RULES))
    declared = {v for k, v in vars(ids).items() if k.isupper() and isinstance(v, str)}
    missing += sorted(v for v in declared if v.startswith("pc.") and v not in RULES)
    assert missing == []
    assert set(RULES) == set(EXPECTED)


README = Path(__file__).parents[2] / "README.md"
SLACK_ONLY = {"event app_uninstalled", "event tokens_revoked"}
"""Rows the README leaves without marks: only Slack sends them (signed), for no person."""
README_NAMES = {
    "/partnership my data": "/partnership my",
    "/partnership forget me": "/partnership forget",
    **{name: f"event {name}" for name in ("app_home_opened", "app_uninstalled", "tokens_revoked")},
}


def readme_table() -> dict[str, str]:
    """The README's "Who may do what" table: action key → marks (✓ allowed, · refused)."""
    text = README.read_text(encoding="utf-8")
    lines = text[text.index("| action | rule | lead |") :].splitlines()[2:]
    table: dict[str, str] = {}
    for line in itertools.takewhile(lambda line: line.startswith("|"), lines):
        first, _rule, *marks = (cell.strip() for cell in line.strip("|").split("|"))
        for name in re.findall(r"`([^`]+)`", first):
            key = README_NAMES.get(name, name)
            if key in RULES:
                table[key] = "".join({"✓": "✓", "—": "·"}.get(mark, "?") for mark in marks)
    return table


def test_the_readme_table_is_the_same_table() -> None:
    readme = readme_table()
    assert set(readme) == set(EXPECTED)
    differing = {
        action: (readme[action], EXPECTED[action])
        for action in EXPECTED
        if readme[action] != EXPECTED[action] and action not in SLACK_ONLY
    }
    assert differing == {}
