"""The radar chart: a real PNG of both sides, and a warm-up that leaves only the title new."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace

import pytest
from matplotlib.textpath import TextPath
from PIL import Image

from bot.domain.summary import DimensionResult, Rules, SideFigure, Summary
from bot.slack import chart

LABELS = ["Trust", "Getting along", "Shared goals", "Vision"]


def summary(partnership_name: str, *, ours: str = "Acme", client: str = "Northwind") -> Summary:
    return Summary(
        our_name=ours,
        client_name=client,
        check_id=1,
        channel_id="C1",
        partnership_name=partnership_name,
        template_id="partnership_check",
        template_name="Partnership check",
        anonymous=False,
        closed_at=None,
        respondents={"ours": 3, "client": 3},
        dimensions=tuple(
            DimensionResult(
                key=label.lower(),
                label=label,
                ours=SideFigure(answered=3, mean=4.0 + i / 4),
                client=SideFigure(answered=3, mean=2.0 + i / 2),
                ticked=False,
                divergent=False,
                deal_breaker=False,
                trend="first",
                score=None,
            )
            for i, label in enumerate(LABELS)
        ),
        rules=Rules(tick_threshold=3.5),
    )


def test_the_chart_is_a_png_of_the_whole_figure() -> None:
    picture = Image.open(io.BytesIO(chart.render_radar(summary("Acme"))))
    picture.load()
    assert picture.format == "PNG" and picture.size == (1280, 1000)  # 2x, for Slack previews


def test_after_the_warm_up_only_the_title_and_the_names_are_outlined_anew() -> None:
    chart.warm_up(LABELS, 3.5)
    before = chart._outline.cache_info().misses
    chart.render_radar(
        summary("A partnership no chart has named yet", ours="Ours", client="Theirs")
    )
    assert chart._outline.cache_info().misses == before + 3  # the title, the two organisations


def test_ticked_needs_are_marked_and_the_legend_names_both_organisations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = summary("Acme × Northwind", ours="Acme", client="Northwind")
    first = replace(drawn.dimensions[0], ticked=True)
    ticked = replace(drawn, dimensions=(first, *drawn.dimensions[1:]))
    outlined: list[tuple[str, float]] = []
    real = chart._outline

    def recording(text: str, size: float) -> TextPath:
        outlined.append((text, size))
        return real(text, size)

    monkeypatch.setattr(chart, "_outline", recording)
    chart.render_radar(ticked)
    texts = {text for text, _ in outlined}
    assert {"● Acme", "● Northwind", "✓ need ticked", "✓ Trust"} <= texts
    assert "Getting along" in texts and "✓ Getting along" not in texts
    assert min(size for _, size in outlined) >= 11
    assert "Trust (ticked): Acme 4.0, Northwind 2.0" in chart.chart_alt_text(ticked)


def test_serving_loads_neither_matplotlib_nor_icalendar_until_needed() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.cli, bot.serving.server, bot.usecases.summary; "
            "print(sorted({'matplotlib', 'numpy', 'icalendar'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # about 50 MB for the chart, 8 MB for calendar feeds: loaded with the first chart or feed
    assert loaded == "[]"


def test_a_self_checks_description_names_our_organisation_only() -> None:
    drawn = replace(summary("Acme × Northwind", ours="Acme", client="Northwind"), ours_only=True)
    alt = chart.chart_alt_text(drawn)
    assert "Trust: Acme" in alt and "Northwind" not in alt
