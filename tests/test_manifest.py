"""The Slack app manifest creates an app that can do everything the code asks of Slack."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.serving.bolt_app import REDIRECT_PATH
from bot.slack.installations import BOT_SCOPES

ROOT = Path(__file__).parents[1]
MANIFEST = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yml").read_text())

# The bot scopes each Web API method the gateway calls needs (none: views.* and auth.test).
# The events the app subscribes to (app_home_opened, app_uninstalled, tokens_revoked) need no
# scope either.
SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "conversations_open": {"im:write"},
    "conversations_members": {"channels:read", "groups:read"},
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_list": {"channels:read", "groups:read"},
    "conversations_history": {"im:history"},
    "users_info": {"users:read"},
    "team_info": {"team:read"},
    "users_lookupByEmail": {"users:read.email"},
    "files_getUploadURLExternal": {"files:write"},
    "files_completeUploadExternal": {"files:write"},
}


def called_methods() -> set[str]:
    source = (ROOT / "bot" / "slack" / "gateway.py").read_text()
    return set(re.findall(r'_call\(\s*"([A-Za-z_]+)"', source))


def test_every_method_the_gateway_calls_has_its_scopes_in_the_manifest() -> None:
    methods = called_methods()
    assert methods, "found no Web API calls in bot/slack/gateway.py"
    unknown = methods - SCOPES.keys()
    assert not unknown, f"add the scopes these methods need to SCOPES and the manifest: {unknown}"
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    needed = set().union(*(SCOPES[method] for method in methods)) | {"commands"}
    assert needed <= granted, f"missing from deploy/slack-manifest.yml: {needed - granted}"


def test_the_command_and_interactivity_point_at_the_one_endpoint() -> None:
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/partnership"
    assert command["url"].endswith("/slack/events")
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith("/slack/events")
    for name in ("check", "summary", "meeting", "settings", "self-check", "internal", "digest"):
        assert name in command["usage_hint"]


def test_the_home_tab_is_on_and_its_event_comes_to_the_one_endpoint() -> None:
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    events = MANIFEST["settings"]["event_subscriptions"]
    assert events["request_url"] == "https://partnercheck.example.com/slack/events"
    assert events["bot_events"] == ["app_home_opened", "app_uninstalled", "tokens_revoked"]


def test_the_install_asks_for_exactly_the_manifests_scopes_and_comes_back_to_the_app() -> None:
    assert list(BOT_SCOPES) == MANIFEST["oauth_config"]["scopes"]["bot"]
    [redirect] = MANIFEST["oauth_config"]["redirect_urls"]
    assert redirect == "https://partnercheck.example.com" + REDIRECT_PATH


def test_an_enterprise_grid_organisation_may_install_it_org_wide() -> None:
    assert MANIFEST["settings"]["org_deploy_enabled"] is True
