"""Block Kit validators for the tests: the ones the sandbox's Slack emulation answers
`invalid_blocks` with (bot/sandbox/blockkit.py)."""

from bot.sandbox.blockkit import (
    BlockKitError,
    check_call,
    check_message,
    check_view,
)

__all__ = ["BlockKitError", "check_call", "check_message", "check_view"]
