"""The fake Slack Web API the tests talk to: the sandbox's own emulation (bot/sandbox/slack_api.py).

One fake Slack serves both the tests and `partnercheck sandbox`; this module keeps the name the
tests import.
"""

from bot.sandbox.slack_api import JSON_STRING_FIELDS, Call, FakeSlack

__all__ = ["JSON_STRING_FIELDS", "Call", "FakeSlack"]
