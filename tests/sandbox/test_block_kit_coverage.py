"""The sandbox page draws every Block Kit block and element type the app's builders use."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_DRAWN_AS_SUCH = {"plain_text", "mrkdwn", "modal", "home"}  # text objects and surfaces


def used_by_the_app() -> set[str]:
    found: set[str] = set()
    for source in (ROOT / "bot" / "blocks").glob("*.py"):
        found |= set(re.findall(r'"type": "([a-z_]+)"', source.read_text()))
    return found - NOT_DRAWN_AS_SUCH


def drawn_by_the_page() -> set[str]:
    script = (ROOT / "bot" / "sandbox" / "static" / "blockkit.js").read_text()
    drawn: set[str] = set()
    for name in ("ELEMENT_TYPES", "BLOCK_TYPES"):
        listing = re.search(rf"const {name} = \[(.*?)\];", script, re.S)
        assert listing, f"blockkit.js has no {name} list"
        drawn |= set(re.findall(r'"([a-z_]+)"', listing.group(1)))
    return drawn


def test_every_type_the_app_uses_is_drawn() -> None:
    used = used_by_the_app()
    assert {"header", "section", "actions", "input", "button", "overflow"} <= used
    assert used - drawn_by_the_page() == set()


def test_each_listed_type_has_a_drawing() -> None:
    script = (ROOT / "bot" / "sandbox" / "static" / "blockkit.js").read_text()
    for kind in drawn_by_the_page():
        assert f'case "{kind}"' in script, f"{kind} is listed but not drawn"
