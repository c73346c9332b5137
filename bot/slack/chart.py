"""The summary's picture: a radar chart of both sides across the dimensions, as PNG bytes.

The drawing itself is in bot/slack/chart_drawing.py and is imported with the first chart:
matplotlib and numpy take about 50 MB that a process which never draws should not hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from bot.domain.answers import CLIENT_SIDE, OUR_SIDE
from bot.domain.summary import Summary

MIN_AXES = 3
OUR_COLOUR = "#24476b"
CLIENT_COLOUR = "#e07b39"
LEGEND = {OUR_SIDE: "● Our side", CLIENT_SIDE: "● Client side"}


class NoChart(Exception):
    """There is nothing meaningful to draw; the reason is a sentence for the log."""


def chart_alt_text(summary: Summary) -> str:
    """A sentence describing the picture for people who cannot see it."""
    parts = []
    for d in summary.dimensions:
        ours = f"{d.ours.mean:.1f}" if d.ours.mean is not None else "not shown"
        client = f"{d.client.mean:.1f}" if d.client.mean is not None else "not shown"
        parts.append(f"{d.label}: our side {ours}, client side {client}")
    text = "Radar chart of the average ratings out of 5 (dashed ring: the tick threshold). "
    return (text + "; ".join(parts) + ".")[:1000]


def warm_up(dimension_labels: Iterable[str], tick_threshold: float) -> None:
    """Outline the texts every chart of these dimensions shows, ahead of the first summary.

    A text seen before is drawn from a cache; a new one costs a few milliseconds (laying it
    out, loading its glyphs), and the very first one also finds and loads the font (and
    imports matplotlib). The summary benchmark runs it first, to time charts as later ones.
    """
    _drawing().warm_up((*dimension_labels, *LEGEND.values(), threshold_key(tick_threshold)))


def render_radar(summary: Summary) -> bytes:
    """PNG of both sides' means per dimension (withheld figures are left as gaps)."""
    dimensions = summary.dimensions
    if len(dimensions) < MIN_AXES:
        raise NoChart(f"a radar needs {MIN_AXES} dimensions, this check has {len(dimensions)}")
    if all(d.ours.mean is None and d.client.mean is None for d in dimensions):
        raise NoChart("no figures can be shown")
    return _drawing().draw(summary)


def threshold_key(threshold: float) -> str:
    return f"- - tick at {threshold:g}"


def _drawing() -> ModuleType:
    from bot.slack import chart_drawing  # matplotlib and numpy: loaded with the first chart

    return chart_drawing
