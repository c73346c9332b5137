"""What the app's Prometheus metrics (bot/plumbing/metrics.py) read now, in this process."""

from __future__ import annotations

from prometheus_client import REGISTRY


def sample(name: str, **labels: str) -> float:
    """The sample's value (0 when it has none yet, as a labelled counter before its first)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def sends() -> dict[str, float]:
    """partnercheck_slack_sends_total by outcome."""
    return {
        outcome: sample("partnercheck_slack_sends_total", outcome=outcome)
        for outcome in ("sent", "retried", "rate_limited", "failed")
    }


def grown(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """How much each count grew, leaving out those that did not."""
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}
