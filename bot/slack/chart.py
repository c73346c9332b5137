"""The summary's picture: a radar chart of both sides across the dimensions, as PNG bytes.

Drawn at twice the usual resolution with labels of at least 11 points, so it stays readable
at the size Slack previews it; ticked needs carry a ✓, and the legend names both organisations.

Uses matplotlib's object-oriented API on the Agg backend only (no pyplot, no display, no
global figure state), so it is safe to call from a worker thread.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Iterable
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

import numpy
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Polygon
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

from bot.domain.answers import CLIENT_SIDE, OUR_SIDE
from bot.domain.summary import Summary
from bot.domain.wording import one_decimal

OUR_COLOUR = "#24476b"
CLIENT_COLOUR = "#e07b39"
WIDTH_INCHES, HEIGHT_INCHES = 6.4, 5.0
CENTRE = (0.5, 0.52)
RADIUS = 0.29  # of the figure height, for a rating of 5
DPI = 200  # 1280 × 1000 pixels: twice the 640 × 500 of a plain figure
LABEL_SIZE = 11  # points; the title is a point larger
LINE_CHARS = 14  # labels longer than this go on two lines
TICK = "✓ "
TICKED_KEY = "✓ need ticked"


class NoChart(Exception):
    """There is nothing meaningful to draw; the reason is a sentence for the log."""


def chart_alt_text(summary: Summary) -> str:
    """A sentence describing the picture for people who cannot see it."""
    parts = []
    for d in summary.dimensions:
        ours = one_decimal(d.ours.mean) if d.ours.mean is not None else "not shown"
        ticked = " (ticked)" if d.need and d.ticked else ""
        if summary.ours_only:  # a self-check: only our side answered, so only ours is named
            parts.append(f"{d.label}{ticked}: {summary.our_name} {ours}")
            continue
        client = one_decimal(d.client.mean) if d.client.mean is not None else "not shown"
        parts.append(
            f"{d.label}{ticked}: {summary.our_name} {ours}, {summary.client_name} {client}"
        )
    text = "Radar chart of the average ratings out of 5 (dashed ring: the tick threshold). "
    return (text + "; ".join(parts) + ".")[:1000]


def warm_up(dimension_labels: Iterable[str], tick_threshold: float) -> None:
    """Outline the texts every chart of these dimensions shows, ahead of the first summary.

    A text seen before is drawn from a cache; a new one costs a few milliseconds (laying it
    out, loading its glyphs), and the very first one also finds and loads the font. Run at
    start-up, so a process's first chart costs what the later ones do.
    """
    for label in dimension_labels:
        for text in (label, TICK + label):
            for line in _lines(text):
                _outline(line, LABEL_SIZE)
    for text in (_threshold_key(tick_threshold), TICKED_KEY):
        _outline(text, LABEL_SIZE)


def render_radar(summary: Summary) -> bytes:
    """PNG of both sides' means per dimension (withheld figures are left as gaps)."""
    dimensions = summary.dimensions
    if not summary.has_chart:  # the one rule, which the headline also reads
        raise NoChart(f"{len(dimensions)} dimensions, or no figure that can be shown")
    sides = {
        OUR_SIDE: [d.ours.mean for d in dimensions],
        CLIENT_SIDE: [d.client.mean for d in dimensions],
    }
    count = len(dimensions)
    angles = [math.pi / 2 - 2 * math.pi * i / count for i in range(count)]

    def point(angle: float, radius: float) -> tuple[float, float]:
        """Figure coordinates (0..1) of `radius` (0..5) along a spoke."""
        scale = RADIUS / 5
        x = CENTRE[0] + scale * radius * math.cos(angle) * HEIGHT_INCHES / WIDTH_INCHES
        return x, CENTRE[1] + scale * radius * math.sin(angle)

    def outline(radii: list[float]) -> tuple[list[float], list[float]]:
        points = [point(a, r) for a, r in zip(angles, radii, strict=True)]
        points.append(points[0])
        return [p[0] for p in points], [p[1] for p in points]

    # Artists go straight on the figure, in figure coordinates: no Axes, no ticks, no polar
    # projection, and text drawn as outlines; together several times faster than pyplot's way.
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    grey = {"color": "#cccccc", "linewidth": 0.8}
    for ring in range(1, 6):
        figure.add_artist(Line2D(*outline([ring] * count), **grey))
    for angle, dimension in zip(angles, dimensions, strict=True):
        x, y = point(angle, 5)
        figure.add_artist(Line2D([CENTRE[0], x], [CENTRE[1], y], **grey))
        lx, ly = point(angle, 5.6)
        side = lx - CENTRE[0]
        ticked = dimension.need and dimension.ticked
        _label(
            figure,
            (lx, ly),
            (TICK if ticked else "") + dimension.label,
            colour="#2e7d32" if ticked else "#222222",
            align="center" if abs(side) < 0.03 else ("left" if side > 0 else "right"),
            wrap=True,
        )
    threshold = summary.rules.tick_threshold
    figure.add_artist(
        Line2D(*outline([threshold] * count), color="#2e7d32", linewidth=1, linestyle="--")
    )
    keys: list[tuple[str, str]] = []
    for side, colour in ((OUR_SIDE, OUR_COLOUR), (CLIENT_SIDE, CLIENT_COLOUR)):
        values = sides[side]
        if all(value is None for value in values):
            continue
        radii = [math.nan if value is None else value for value in values]
        xs, ys = outline(radii)
        figure.add_artist(Line2D(xs, ys, color=colour, linewidth=2.5, marker="o"))
        if not any(value is None for value in values):  # gaps would suggest unknown figures
            figure.add_artist(Polygon(list(zip(xs, ys, strict=True)), color=colour, alpha=0.15))
        keys.append((f"● {summary.name_of(side)}", colour))
    keys.append((_threshold_key(threshold), "#2e7d32"))
    if any(d.need and d.ticked for d in dimensions):
        keys.append((TICKED_KEY, "#2e7d32"))
    _legend(figure, keys)
    title = f"{summary.partnership_name} · {summary.template_name}"
    _label(figure, (0.5, 0.95), title, size=LABEL_SIZE + 1)
    canvas.draw()
    return _png(numpy.asarray(canvas.buffer_rgba()))


def _png(pixels: numpy.ndarray) -> bytes:
    """A PNG of an RGBA image (height × width × 4 bytes), made for speed over size.

    The rows go as drawn, unfiltered, into zlib's fastest level: about twice as fast as
    savefig's PNG writer at the same compression level, and the chart's flat colours still
    shrink well. The figure is opaque, but dropping its alpha takes a strided copy that costs
    more than compressing the alpha (a tenth more bytes, about 3 ms less per chart).
    """
    height, width, _ = pixels.shape
    rows = numpy.empty((height, 1 + width * 4), dtype=numpy.uint8)  # each row: filter 0, RGBA
    rows[:, 0] = 0
    rows[:, 1:] = pixels.reshape(height, width * 4)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows, 1)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _legend(figure: Figure, keys: list[tuple[str, str]]) -> None:
    """The keys in a row, centred along the bottom, each as wide as its text."""
    gap = 0.03
    widths = [_width(text) for text, _ in keys]
    x = max(0.01, 0.5 - (sum(widths) + gap * (len(keys) - 1)) / 2)
    for (text, colour), width in zip(keys, widths, strict=True):
        _label(figure, (x, 0.04), text, colour=colour, align="left")
        x += width + gap


def _width(text: str, size: float = LABEL_SIZE) -> float:
    """A text's width as a fraction of the figure's."""
    vertices = _outline(text, size).vertices
    if not len(vertices):
        return 0.0
    return float(vertices[:, 0].max() - vertices[:, 0].min()) / 72 / WIDTH_INCHES


def _lines(text: str) -> list[str]:
    """A long label on two lines, split at the space nearest its middle."""
    if len(text) <= LINE_CHARS or " " not in text:
        return [text]
    middle = len(text) / 2
    cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def _threshold_key(threshold: float) -> str:
    return f"- - tick at {threshold:g}"


@lru_cache(maxsize=256)
def _outline(text: str, size: float) -> TextPath:
    return TextPath((0, 0), text, prop=FontProperties(size=size))


def _label(
    figure: Figure,
    at: tuple[float, float],
    text: str,
    *,
    size: float = LABEL_SIZE,
    colour: str = "#222222",
    align: str = "center",
    wrap: bool = False,
) -> None:
    """Text as filled outlines, vertically centred on `at` (figure coordinates); on two
    lines if long and `wrap`.

    Outlines reuse matplotlib's glyph cache, whereas Figure.text lays out and rasterises
    every glyph again for each new figure (milliseconds per label).
    """
    lines = _lines(text) if wrap else [text]
    step = size * 1.25 / 72 / HEIGHT_INCHES
    for index, line in enumerate(lines):
        y = at[1] + step * ((len(lines) - 1) / 2 - index)
        _line(figure, (at[0], y), line, size=size, colour=colour, align=align)


def _line(
    figure: Figure, at: tuple[float, float], text: str, *, size: float, colour: str, align: str
) -> None:
    path = _outline(text, size)
    # the control points bound the outline closely enough, and far faster than get_extents()
    (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
    dx = {"left": -x0, "right": -x1}.get(align, -(x0 + x1) / 2)
    dy = -(y0 + y1) / 2
    transform = (
        Affine2D()
        .translate(dx, dy)
        .scale(1 / 72 / WIDTH_INCHES, 1 / 72 / HEIGHT_INCHES)
        .translate(*at)
        + figure.transFigure
    )
    figure.add_artist(PathPatch(path, transform=transform, color=colour, linewidth=0))
