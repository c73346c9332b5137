"""How long a request may work before Slack, which gives up after 3 seconds, is answered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    answer_seconds: float = 2.0
    """An answer click waits at most this to be stored; then the person is told to try again."""
    dispatch_seconds: float = 2.5
    """Any other request still working after this is answered at once (the work goes on)."""
