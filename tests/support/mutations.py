"""Hostile variations of real Slack payloads, for the property-based test and the fuzz run.

`real_requests()` builds one signed-ready body of every shape Slack sends the app (answer
clicks, the other buttons and menus, every modal submission, view_closed, slash commands,
app_home_opened, url_verification). `mutate()` then changes it the way a careless or hostile
client would: a value of the wrong type, a key removed or added, deep nesting, huge arrays.

The choices come from a `Chooser`, so hypothesis drives them in the test suite and a seeded
`random.Random` drives the 10,000-request fuzz run (tests/benchmarks/bench_fuzz.py).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode

from bot.blocks import ids
from tests.support import signing

T = TypeVar("T")

HOSTILE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**64,
    10**40,
    1.5,
    "",
    "²",
    "٣",
    "\x1b[31mred\x1b[0m\n",
    "<!channel> <@U123> & <http://x|y>",
    "x" * 5000,
    "1:0:4",
    f"{2**64}:0:4",
    f"{2**31}:0:4",
    "\x00",
    [],
    {},
    [1, "2", None],
    {"id": 5},
    {"values": []},
]


class Chooser(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...

    def integer(self, low: int, high: int) -> int: ...


class RandomChooser:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return self._random.choice(list(options))

    def integer(self, low: int, high: int) -> int:
        return self._random.randint(low, high)


@dataclass(frozen=True)
class Shape:
    """A real request: `kind` "form" (slash command fields), "payload" (interactivity JSON in a
    form) or "json" (Events API)."""

    name: str
    kind: str
    data: dict[str, Any]

    def body(self) -> str:
        if self.kind == "json":
            return json.dumps(self.data)
        if self.kind == "payload":
            return urlencode({"payload": json.dumps(self.data)})
        return urlencode(self.data)


def _payload(body: str) -> dict[str, Any]:
    return json.loads(dict(parse_qsl(body))["payload"])


def real_requests(
    *, check_id: int = 1, channel: str = "C0SHARED", lead: str = "U0LEAD"
) -> list[Shape]:
    """One request of each shape the app handles, pointing at check `check_id`."""
    shapes: list[Shape] = []

    def click(name: str, action_id: str, value: str, **extra: Any) -> None:
        body = signing.block_action(
            action_id=action_id, value=value, user_id=lead, channel_id=channel, **extra
        )
        shapes.append(Shape(name, "payload", _payload(body)))

    click("answer", f"{ids.ANSWER}:4", f"{check_id}:0:4")
    click(
        "answer select",
        ids.ANSWER_SELECT,
        "",
        selected_option_value=f"{check_id}:0:yes",
        action_type="static_select",
    )
    click("write answer", ids.WRITE_ANSWER, f"{check_id}:0")
    click("add comment", ids.ADD_COMMENT, f"{check_id}:0")
    click("next question", ids.NEXT_QUESTION, f"{check_id}:0")
    click("close check", ids.CLOSE_CHECK, str(check_id))
    click("answer now", ids.ANSWER_NOW, str(check_id))
    click("share summary", ids.SHARE_SUMMARY, str(check_id))
    click("add next step", ids.ADD_NEXT_STEP, str(check_id))
    click("mark done", ids.MARK_STEP_DONE, "1")
    click("reflect now", ids.REFLECT_NOW, "1")
    click(
        "snooze", ids.SNOOZE_NUDGE, "", selected_option_value="1:hour", action_type="static_select"
    )
    click("skip", ids.SKIP_NUDGE, "1")
    click(
        "meeting menu",
        ids.MEETING_MENU,
        "",
        selected_option_value="cancel:1",
        action_type="overflow",
    )

    def submit(name: str, callback_id: str, values: dict[str, Any], metadata: str) -> None:
        body = signing.view_submission(
            callback_id=callback_id, values=values, private_metadata=metadata, user_id=lead
        )
        shapes.append(Shape(name, "payload", _payload(body)))

    submit(
        "comment form",
        ids.COMMENT_VIEW,
        {ids.COMMENT_BLOCK: {ids.COMMENT_INPUT: signing.plain_input("a comment")}},
        f"{check_id}:0",
    )
    submit(
        "text answer form",
        ids.TEXT_ANSWER_VIEW,
        {ids.TEXT_ANSWER_BLOCK: {ids.TEXT_ANSWER_INPUT: signing.plain_input("words")}},
        f"{check_id}:0",
    )
    submit(
        "async answers form",
        ids.ASYNC_ANSWERS_VIEW,
        {
            "q0": {ids.ASYNC_VALUE_INPUT: signing.radio("4")},
            "q0_comment": {ids.ASYNC_COMMENT_INPUT: signing.plain_input("c")},
        },
        f"{check_id}:0",
    )
    submit(
        "start check form",
        ids.START_CHECK_VIEW,
        {
            ids.NAME_BLOCK: {ids.NAME_INPUT: signing.plain_input("Acme")},
            ids.TEMPLATE_BLOCK: {ids.TEMPLATE_INPUT: signing.static_select("partnership_check")},
            ids.CLIENT_BLOCK: {ids.CLIENT_INPUT: signing.multi_users([])},
            ids.MODE_BLOCK: {ids.MODE_INPUT: signing.radio("async")},
            ids.DEADLINE_BLOCK: {ids.DEADLINE_INPUT: signing.datetimepicker(1_900_000_000)},
            ids.PRIVACY_BLOCK: {ids.PRIVACY_INPUT: signing.radio("attributed")},
        },
        channel,
    )
    submit(
        "next step form",
        ids.NEXT_STEP_VIEW,
        {
            ids.STEP_TEXT_BLOCK: {ids.STEP_TEXT_INPUT: signing.plain_input("Send the plan")},
            ids.STEP_OWNER_BLOCK: {ids.STEP_OWNER_INPUT: signing.users_select(lead)},
            ids.STEP_DUE_BLOCK: {ids.STEP_DUE_INPUT: signing.datepicker("2026-12-24")},
        },
        str(check_id),
    )
    submit(
        "meeting form",
        ids.MEETING_VIEW,
        {
            ids.MEETING_TITLE_BLOCK: {ids.MEETING_TITLE_INPUT: signing.plain_input("Weekly")},
            ids.MEETING_START_BLOCK: {
                ids.MEETING_START_INPUT: signing.datetimepicker(1_790_000_000)
            },
            ids.MEETING_LENGTH_BLOCK: {ids.MEETING_LENGTH_INPUT: signing.static_select("60")},
            ids.MEETING_ENDED_BLOCK: {ids.MEETING_ENDED_INPUT: signing.checkboxes([])},
            ids.MEETING_PEOPLE_BLOCK: {ids.MEETING_PEOPLE_INPUT: signing.multi_users([lead])},
        },
        channel,
    )
    submit(
        "reflection form",
        ids.REFLECTION_VIEW,
        {
            "q0": {ids.ASYNC_VALUE_INPUT: signing.plain_input("learned")},
            ids.SHARE_BLOCK: {ids.SHARE_INPUT: signing.checkboxes([])},
        },
        "1",
    )
    closed = signing.view_closed(callback_id=ids.COMMENT_VIEW, private_metadata=f"{check_id}:0")
    shapes.append(Shape("view closed", "payload", _payload(closed)))

    for text in (
        "help",
        "check",
        "summary",
        "history",
        "meetings",
        "meeting",
        "calendar",
        "calendar off",
        "schedule",
        "schedule weekly",
        "schedule off",
        "settings",
        "settings hours 09:00-17:00",
        "nonsense words",
    ):
        body = signing.slash_command(text, user_id=lead, channel_id=channel)
        shapes.append(Shape(f"/partnership {text}", "form", dict(parse_qsl(body))))

    home = signing.event_callback(
        {
            "type": "app_home_opened",
            "user": lead,
            "tab": "home",
            "channel": "D0DM",
            "event_ts": "1.2",
        },
        event_id="Ev0FUZZ",
    )
    shapes.append(Shape("app_home_opened", "json", json.loads(home)))
    # the app leaving a workspace: another one's, or a user token (nothing the app holds), so
    # the unchanged ones leave the workspace under test installed
    gone = signing.event_callback(
        {"type": "app_uninstalled", "event_ts": "1.3"}, event_id="Ev0GONE", team_id="T0GONE"
    )
    shapes.append(Shape("app_uninstalled", "json", json.loads(gone)))
    revoked = signing.event_callback(
        {"type": "tokens_revoked", "tokens": {"oauth": [lead]}, "event_ts": "1.4"},
        event_id="Ev0REVOKED",
    )
    shapes.append(Shape("tokens_revoked", "json", json.loads(revoked)))
    shapes.append(
        Shape("url_verification", "json", json.loads(signing.url_verification("fuzz-challenge")))
    )
    return shapes


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if len(path) > 12:  # a nest planted earlier: its top is enough to aim at
        return found
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:20]):
            found += _paths(inner, (*path, index))
    return found


def _nest(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


MUTATIONS = ("replace", "delete", "add", "nest", "huge", "wrap")


def mutate(shape: Shape, chooser: Chooser) -> str:
    """The body of `shape` after one to four hostile changes."""
    data = copy.deepcopy(shape.data)
    for _ in range(chooser.integer(1, 4)):
        path = chooser.choice(_paths(data))
        op = chooser.choice(MUTATIONS)
        if shape.kind == "form":
            _mutate_form(data, chooser, op)
            continue
        data = _apply(data, path, op, chooser)
    if shape.kind == "form":
        return urlencode(data)
    text = json.dumps(data if isinstance(data, dict) else {"type": data})
    return text if shape.kind == "json" else urlencode({"payload": text})


def _mutate_form(data: dict[str, Any], chooser: Chooser, op: str) -> None:
    key = chooser.choice(sorted(data))
    if op == "delete":
        data.pop(key)
    elif op == "add":
        data[chooser.choice(["payload", "ssl_check", "command", "extra"])] = chooser.choice(
            ["1", "{}", "[]", "not json", '{"type":[]}']
        )
    else:
        data[key] = str(chooser.choice(HOSTILE_VALUES))


def _apply(data: Any, path: tuple[Any, ...], op: str, chooser: Chooser) -> Any:
    new = _new_value(op, chooser)
    if not path:
        return data if op == "delete" else new if op != "add" else data
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "delete":
        if isinstance(parent, dict):
            parent.pop(last)
        else:
            parent.pop(last)
    elif op == "add" and isinstance(parent, dict):
        parent[
            chooser.choice(
                [
                    "extra",
                    "type",
                    "user",
                    "team",
                    "channel",
                    "view",
                    "actions",
                    "response_urls",
                    "enterprise",
                    "authorizations",
                    "event",
                ]
            )
        ] = copy.deepcopy(chooser.choice(HOSTILE_VALUES))
    elif op == "wrap":
        parent[last] = [parent[last]]
    else:
        parent[last] = new
    return data


def _new_value(op: str, chooser: Chooser) -> Any:
    if op == "nest":
        return _nest(chooser.choice([10, 40, 200, 600]))
    if op == "huge":
        return [chooser.choice([0, "x", {}, None])] * chooser.choice([1000, 30_000])
    return copy.deepcopy(chooser.choice(HOSTILE_VALUES))
