"""The sandbox's small Slack world, and the requests Slack would send the app from it.

Our organisation (a lead and two colleagues) shares one Slack Connect channel with two people
from the client's workspace. Every request is built as Slack builds it (form-encoded slash
commands and interactivity payloads, JSON events) and signed with the sandbox's own secret.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack_api import FakeSlack

OUR_TEAM = "T0HARBOUR"
CLIENT_TEAM = "T0FERNHILL"
TEAM_NAMES = {OUR_TEAM: "Harbour Consulting", CLIENT_TEAM: "Fernhill Foods"}
CHANNEL = "C0SHARED"
CHANNEL_NAME = "fernhill-harbour"
APP_ID = "A0APP"
BOT_USER = "U0BOT"
COMMAND = "/partnership"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    title: str
    team_id: str
    tz: str

    @property
    def ours(self) -> bool:
        return self.team_id == OUR_TEAM

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "ours": self.ours,
            "team": TEAM_NAMES[self.team_id],
        }


PEOPLE = (
    Person("U0ADA", "Ada Lindqvist", "Lead consultant", OUR_TEAM, "Europe/London"),
    Person("U0BEN", "Ben Okafor", "Consultant", OUR_TEAM, "Europe/London"),
    Person("U0CHLOE", "Chloé Martin", "Analyst", OUR_TEAM, "Europe/London"),
    Person("U0DANA", "Dana Whitfield", "Head of operations", CLIENT_TEAM, "Europe/London"),
    Person("U0ELI", "Eli Novak", "Product owner", CLIENT_TEAM, "Europe/London"),
)
BY_ID = {person.id: person for person in PEOPLE}


def make_slack() -> FakeSlack:
    """The emulation, peopled and strict, before it is served."""
    slack = FakeSlack(team_id=OUR_TEAM, bot_user_id=BOT_USER)
    for team_id, name in TEAM_NAMES.items():  # what team.info says: the summary's side names
        slack.add_team(team_id, name)
    for person in PEOPLE:
        slack.add_user(
            person.id,
            name=person.name,
            tz=person.tz,
            team_id=person.team_id,
            is_admin=person.id == "U0ADA",
        )
    slack.add_channel(CHANNEL, name=CHANNEL_NAME, is_ext_shared=True)
    slack.set_channel_members(CHANNEL, [BOT_USER, *(person.id for person in PEOPLE)])
    slack.strict()
    return slack


_counter = itertools.count(1)


def sign(body: str, secret: str) -> dict[str, str]:
    """The headers Slack adds: the content type, a timestamp and the v0 signature."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    form = "application/x-www-form-urlencoded"
    return {
        "Content-Type": "application/json" if body.startswith("{") else form,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def _user(person: Person) -> dict[str, Any]:
    handle = person.name.split()[0].lower()
    return {"id": person.id, "username": handle, "name": handle, "team_id": person.team_id}


def _team() -> dict[str, Any]:
    return {"id": OUR_TEAM, "domain": "harbour"}


def _interaction(kind: str, person: Person, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "user": _user(person),
        "api_app_id": APP_ID,
        "token": "sandbox",
        "trigger_id": trigger_id,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def slash_command(
    slack: FakeSlack, person: Person, channel: str, text: str, trigger_id: str
) -> str:
    return urlencode(
        {
            "token": "sandbox",
            "team_id": OUR_TEAM,
            "team_domain": "harbour",
            "channel_id": channel,
            "channel_name": CHANNEL_NAME if channel == CHANNEL else "directmessage",
            "user_id": person.id,
            "user_name": _user(person)["name"],
            "command": COMMAND,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": slack.response_url(f"command-{next(_counter)}"),
            "trigger_id": trigger_id,
        }
    )


def block_action(
    slack: FakeSlack,
    person: Person,
    trigger_id: str,
    action: dict[str, Any],
    where: dict[str, Any],
    state: dict[str, Any],
) -> str:
    """`where`: {"view_id"} for a modal or the App Home, or {"channel", "ts", "ephemeral"}."""
    payload = _interaction("block_actions", person, trigger_id)
    payload["actions"] = [{**action, "action_ts": f"{time.time():.6f}"}]
    payload["state"] = {"values": state}
    if "view_id" in where:
        view = {**slack.views[where["view_id"]], "state": {"values": state}}
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        return _form(payload)
    channel, ts, ephemeral = str(where["channel"]), str(where["ts"]), bool(where.get("ephemeral"))
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": channel, "name": CHANNEL_NAME if channel == CHANNEL else channel}
    if not ephemeral:
        found = [m for m in slack.messages.get(channel, []) if m["ts"] == ts]
        if found:
            payload["message"] = found[0]
    key = f"action-{next(_counter)}"
    payload["response_url"] = (
        slack.ephemeral_response_url(key, channel=channel, user=person.id, ts=ts)
        if ephemeral
        else slack.response_url(key)
    )
    return _form(payload)


def view_submission(
    slack: FakeSlack, person: Person, trigger_id: str, view_id: str, state: dict[str, Any]
) -> str:
    payload = _interaction("view_submission", person, trigger_id)
    payload["view"] = {**slack.views[view_id], "state": {"values": state}}
    payload["response_urls"] = []
    return _form(payload)


def view_closed(slack: FakeSlack, person: Person, view_id: str) -> str:
    payload = _interaction("view_closed", person, "")
    del payload["trigger_id"]
    payload["view"] = slack.views[view_id]
    payload["is_cleared"] = False
    return _form(payload)


def app_home_opened(person: Person, tab: str = "home") -> str:
    """The event Slack sends when a person opens the app's Home or Messages tab."""
    event_id = f"Ev{next(_counter):08d}{int(time.time())}"
    return json.dumps(
        {
            "token": "sandbox",
            "team_id": OUR_TEAM,
            "context_team_id": OUR_TEAM,
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": person.id,
                "channel": "D" + person.id,
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            },
            "authorizations": [
                {"team_id": OUR_TEAM, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
            ],
            "is_ext_shared_channel": False,
        },
        separators=(",", ":"),
    )
