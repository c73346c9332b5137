"""Imports run one way, down the floors the README's Development section draws:

cli → sandbox → serving → handlers → the background work that runs use cases (delivery, tick)
→ usecases → services (the container) → the machinery use cases call (answer writer,
follow-up tasks, pacing) → Slack side / Block Kit / storage → domain / question bank
→ plumbing.

Every `import` in bot/, handlers/ and questions/ is read (those inside functions too); a module
may import its own floor or any floor below it, never one above.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]

# (module prefix, floor): the longest matching prefix places a module; higher floors are upper
FLOORS = [
    ("bot.cli", 10),
    ("bot.sandbox", 9),
    ("bot.serving", 8),
    ("handlers", 7),
    ("bot.background.delivery", 6),
    ("bot.background.tick", 6),
    ("bot.usecases", 5),
    ("bot.services", 4),
    ("bot.background", 3),  # answer_writer, tasks, pacing
    ("bot.slack", 2),
    ("bot.blocks", 2),
    ("bot.db", 2),
    ("bot.domain", 1),
    ("questions", 1),
    ("bot.plumbing", 0),
]
# the domain is pure: rules and arithmetic, nothing that talks to the world
NOT_IN_DOMAIN = ("slack_sdk", "slack_bolt", "sqlalchemy", "asyncio", "aiohttp")


def floor(module: str) -> int | None:
    matches = [
        (len(prefix), level)
        for prefix, level in FLOORS
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def modules() -> dict[str, ast.Module]:
    found = {}
    for folder in ("bot", "handlers", "questions"):
        for path in (ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = ast.parse(path.read_text(), filename=str(path))
    return found


def imported(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_every_module_has_a_floor() -> None:
    unplaced = [name for name in modules() if name != "bot" and floor(name) is None]
    assert unplaced == []


def test_imports_run_one_way() -> None:
    upward = []
    for name, tree in modules().items():
        here = floor(name)
        if here is None:
            continue
        for target in imported(tree):
            there = floor(target)
            if there is not None and there > here:
                upward.append(f"{name} imports {target}")
    assert sorted(set(upward)) == []


def test_the_domain_imports_nothing_that_talks_to_the_world() -> None:
    found = [
        f"{name} imports {target}"
        for name, tree in modules().items()
        if name.startswith("bot.domain")
        for target in imported(tree)
        if target.split(".")[0] in NOT_IN_DOMAIN
    ]
    assert found == []
