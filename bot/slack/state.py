"""What the app last knew of its link to Slack, for /healthz and /metrics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SlackState:
    """unchecked, ok (auth.test passed), unreachable, connecting, connected, reconnecting."""

    state: str = "unchecked"
