"""A census of the Block Kit the app really sends, against what the sandbox page draws.

A pytest plugin: while the tests it is loaded into run, every block and element `type` the app
sends to the fake Slack (Web API calls' blocks, views and attachments; response_url posts) or
answers Slack with (HTTP answers: an ephemeral's blocks, a response_action's view) is counted.
At the end it prints the types used, and which of them the page (bot/sandbox/static/blockkit.js,
its BLOCK_TYPES and ELEMENT_TYPES) does not draw. For example:

    .venv/bin/python -m pytest -q -p tests.benchmarks.blockkit_census \\
        tests/e2e tests/meetings tests/nudges tests/usecases tests/questions tests/workspaces
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import bot.sandbox.slack_api as slack_api
import tests.support.harness as harness

ROOT = Path(__file__).resolve().parents[2]
TEXT_OBJECTS = {"plain_text", "mrkdwn"}
SURFACES = {"modal", "home"}
PAYLOAD_KEYS = ("blocks", "view", "attachments")

seen: Counter[str] = Counter()


def _walk(node: Any) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            seen[node["type"]] += 1
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def _take(payload: Any) -> None:
    if not isinstance(payload, dict):
        return
    for key in PAYLOAD_KEYS:
        value = payload.get(key)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                continue
        _walk(value)


@dataclass
class _CountedCall(slack_api.Call):
    def __post_init__(self) -> None:
        _take(self.args)


_response_url = slack_api.FakeSlack._handle_response_url
_post = harness.Harness.post


async def _counted_response_url(self: slack_api.FakeSlack, request: Any) -> Any:
    before = len(self.responses)
    answer = await _response_url(self, request)
    for payload in self.responses[before:]:
        _take(payload)
    return answer


async def _counted_post(self: harness.Harness, body: str, headers: Any = None) -> harness.Reply:
    reply = await _post(self, body, headers)
    with contextlib.suppress(ValueError):
        _take(reply.json())
    return reply


slack_api.Call = _CountedCall  # type: ignore[misc]
slack_api.FakeSlack._handle_response_url = _counted_response_url  # type: ignore[method-assign]
harness.Harness.post = _counted_post  # type: ignore[method-assign]


def drawn_by_the_page() -> dict[str, set[str]]:
    script = (ROOT / "bot" / "sandbox" / "static" / "blockkit.js").read_text()
    drawn: dict[str, set[str]] = {}
    for name in ("BLOCK_TYPES", "ELEMENT_TYPES"):
        listing = re.search(rf"const {name} = \[(.*?)\];", script, re.S)
        drawn[name] = set(re.findall(r'"([a-z_]+)"', listing.group(1))) if listing else set()
    return drawn


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    used = {kind for kind in seen if kind not in TEXT_OBJECTS | SURFACES}
    drawn = drawn_by_the_page()
    everything_drawn = drawn["BLOCK_TYPES"] | drawn["ELEMENT_TYPES"]
    write = terminalreporter.write_line
    write("")
    write("Block Kit census (types the app sent, times seen):")
    for kind, times in seen.most_common():
        write(f"  {kind}: {times}")
    write(
        f"used by the app: {len(used)} block and element types ({', '.join(sorted(used))}); "
        f"the page draws {len(drawn['BLOCK_TYPES'])} block types and "
        f"{len(drawn['ELEMENT_TYPES'])} element types ({len(everything_drawn)} distinct names)"
    )
    write(f"used but not drawn: {sorted(used - everything_drawn) or 'none'}")
