"""The App Home tab: a person's partnerships and the reflections waiting for them.

Pure: data in, Block Kit out. Names and meeting titles are escaped, and the view stays well
within Slack's limits (at most 100 blocks, section text within 3000 characters): the lists
are capped and the rest is counted in an "and N more" line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.bank import BankView, bank_blocks
from bot.blocks.digest import home_lines
from bot.blocks.nudges import NudgeInfo, meeting_phrase, reflect_now_button
from bot.blocks.summary import headline_lines, verdict
from bot.blocks.text import (
    SECTION_TEXT_MAX,
    button,
    context,
    count_phrase,
    escape,
    header,
    plain,
    section,
    slack_date,
    trim,
)
from bot.domain.check_flow import Mode, Status
from bot.domain.digest import Digest
from bot.domain.summary import Summary

PARTNERSHIPS_SHOWN = 15
LED_SHOWN = 5  # partnerships whose our-side digest and self-check a lead sees
REFLECTIONS_SHOWN = 10
MAX_HOME_BLOCKS = 100
NAME_SHOWN_MAX = 80
DAY = "{date_short_pretty}"

HOW_TO_START = (
    "To start, type `/partnership check` in a channel you share with the client: both sides "
    "answer the same questions, and you see where you agree. `/partnership help` lists "
    "everything else I can do."
)


@dataclass(frozen=True)
class CheckLine:
    """What the Home tab says about one check."""

    template_name: str
    status: str
    mode: str
    started_at: datetime
    deadline_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class PartnershipCard:
    name: str
    channel_id: str
    latest: CheckLine | None = None
    # the latest summary of a partnership check, and when that check closed (it may be
    # older than `latest`, and `latest` may be of another template)
    summary: Summary | None = None
    summarised_at: datetime | None = None
    open_steps: int = 0  # open next steps the viewer owns here
    led: bool = False  # the viewer created it or led one of its checks: may export it
    client_side: bool = False  # its latest check named the viewer on the client side


@dataclass(frozen=True)
class LeadCard:
    """Our side's own material of a partnership the viewer leads."""

    name: str
    channel_id: str
    digest: Digest
    self_check: Summary | None = None
    self_checked_at: datetime | None = None


@dataclass(frozen=True)
class HomeInfo:
    whole_workspace: bool  # a workspace admin sees every partnership
    partnerships: Sequence[PartnershipCard]
    more_partnerships: int
    reflections: Sequence[NudgeInfo]
    more_reflections: int
    bank: BankView | None = None  # workspace admins manage the question bank
    led: Sequence[LeadCard] = ()  # only for the partnerships' lead (always our side)
    our_side: bool = False  # a person of this workspace: logs meetings, runs self-checks

    @property
    def acts_for_us(self) -> bool:
        """Sees the buttons only our side may use (the client never sees one that refuses)."""
        return self.our_side or self.whole_workspace or bool(self.led)


def home_view(info: HomeInfo) -> dict[str, Any]:
    blocks = [
        *_welcome(info),
        {"type": "divider"},
        *_partnership_blocks(info),
        *_lead_blocks(info),
        *_reflection_blocks(info),
        *(bank_blocks(info.bank) if info.bank is not None else []),
    ]
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def _welcome(info: HomeInfo) -> list[dict[str, Any]]:
    intro = (
        "I help us and our clients look at the partnership together: guided checks in the "
        "channel you share with them, a summary of where both sides stand, and a nudge to "
        "reflect after each client meeting."
    )
    if not info.partnerships and not info.reflections:
        return [
            header("Partnership Check"),
            section(intro),
            section(f"*Nothing here yet.* {HOW_TO_START}"),
        ]
    blocks = [
        header("Partnership Check"),
        section(intro),
        context(
            "Start a check with `/partnership check` in a channel shared with the client; "
            "`/partnership help` lists the rest."
        ),
    ]
    if info.acts_for_us:  # our side only: the client never sees a self-check
        blocks.append(
            {
                "type": "actions",
                "block_id": "home_actions",
                "elements": [button("Start a self-check", ids.HOME_SELF_CHECK, "self-check")],
            }
        )
    return blocks


def _partnership_blocks(info: HomeInfo) -> list[dict[str, Any]]:
    title = "All partnerships in this workspace" if info.whole_workspace else "Your partnerships"
    blocks: list[dict[str, Any]] = [header(title)]
    if info.whole_workspace and info.partnerships:
        blocks.append(_export_buttons())
    if not info.partnerships:
        blocks.append(
            section(
                "No partnerships in this workspace yet."
                if info.whole_workspace
                else "You aren't part of any partnership yet."
            )
        )
        return blocks
    shown = info.partnerships[:PARTNERSHIPS_SHOWN]
    for card in shown:
        blocks.append(section(_partnership_text(card)))
        actions = _card_actions(card, info)
        if actions["elements"]:
            blocks.append(actions)
    more = info.more_partnerships + len(info.partnerships) - len(shown)
    if more > 0:
        blocks.append(
            context(
                f"…and {count_phrase(more, 'more partnership')}. "
                "`/partnership history` in a partnership's channel shows all its checks."
            )
        )
    return blocks


def _export_buttons() -> dict[str, Any]:
    """Every partnership of the workspace as a file, sent by direct message."""
    return {
        "type": "actions",
        "block_id": "export",
        "elements": [
            button("Export all (CSV)", ids.EXPORT_PARTNERSHIPS, "csv"),
            button("Export all (JSON)", ids.EXPORT_PARTNERSHIPS + ":json", "json"),
        ],
    }


def _lead_blocks(info: HomeInfo) -> list[dict[str, Any]]:
    if not info.led:
        return []
    blocks: list[dict[str, Any]] = [
        header("Our side only: what you lead"),
        context(
            "Our reflections and self-checks, for you as the partnership's lead. "
            "The client never sees these; `/partnership digest` in the channel shows more."
        ),
    ]
    for card in info.led[:LED_SHOWN]:
        lines = [f"*{escape(trim(card.name, NAME_SHOWN_MAX))}* · <#{card.channel_id}>"]
        if card.self_check is not None:
            when = f" ({_day(card.self_checked_at)})" if card.self_checked_at else ""
            lines.append(f"Latest self-check{when}: {escape(verdict(card.self_check))}")
            lines += [f"• {text}" for text in headline_lines(card.self_check)]
        lines.append(f"Reflections since {_day(card.digest.since)}: " + home_lines(card.digest))
        blocks.append(section(trim("\n".join(lines), SECTION_TEXT_MAX)))
    return blocks


def _partnership_text(card: PartnershipCard) -> str:
    lines = [f"*{escape(trim(card.name, NAME_SHOWN_MAX))}* · <#{card.channel_id}>"]
    lines.append(_check_state(card.latest))
    if card.summary is not None and card.summarised_at is not None:
        when = _day(card.summarised_at)
        lines.append(
            f":bar_chart: Latest summary of the partnership check ({when}): "
            f"{escape(verdict(card.summary))}"
        )
    if card.open_steps:
        steps = count_phrase(card.open_steps, "open next step")
        lines.append(f":pushpin: You own {steps} here.")
    return "\n".join(lines)


def _card_actions(card: PartnershipCard, info: HomeInfo) -> dict[str, Any]:
    """What a person can do about one partnership from Home: only what they may do."""
    elements = []
    if info.acts_for_us and not card.client_side:  # there, they answer for the client
        elements.append(button("Log a meeting", ids.HOME_LOG_MEETING, card.channel_id))
    if card.summary is not None:
        elements.append(button("Open latest summary", ids.HOME_OPEN_SUMMARY, card.channel_id))
    if info.whole_workspace or card.led:
        elements.append(button("Export", ids.HOME_EXPORT, card.channel_id))
    return {"type": "actions", "block_id": f"card:{card.channel_id}", "elements": elements}


def summary_modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest summary, opened from Home (blocks of the private summary message)."""
    return {
        "type": "modal",
        "title": plain("Latest summary", limit=24),
        "close": plain("Close", limit=24),
        "blocks": blocks[:MAX_HOME_BLOCKS],
    }


def self_check_modal() -> dict[str, Any]:
    """How to start a consultant self-check (it runs from a channel, not from Home)."""
    return {
        "type": "modal",
        "title": plain("Consultant self-check", limit=24),
        "close": plain("Got it", limit=24),
        "blocks": [
            section(
                "A self-check is for our side only: how we work with a client, the role we "
                "play and our standing with them."
            ),
            section(
                "To start one, type `/partnership self-check` in the channel of the "
                "partnership it is about."
            ),
        ],
    }


def _check_state(check: CheckLine | None) -> str:
    if check is None:
        return "No check yet: `/partnership check` in the channel starts one."
    name = escape(check.template_name)
    if check.status == Status.OPEN and check.mode == Mode.LIVE:
        return f":large_green_circle: {name} running live, started {_day(check.started_at)}"
    if check.status == Status.OPEN:
        until = f" until {slack_date(check.deadline_at)}" if check.deadline_at else ""
        return f":large_green_circle: {name} open for answers{until}"
    closed = _day(check.closed_at or check.started_at)
    if check.status == Status.SUMMARISED:
        return f":white_check_mark: {name} closed and summarised {closed}"
    return f":white_check_mark: {name} closed {closed}, summary still to come"


def _reflection_blocks(info: HomeInfo) -> list[dict[str, Any]]:
    if not info.reflections:
        return []
    blocks: list[dict[str, Any]] = [{"type": "divider"}, header("Waiting for your reflection")]
    shown = info.reflections[:REFLECTIONS_SHOWN]
    blocks += [
        section(
            f"{meeting_phrase(nudge)} · <#{nudge.channel_id}>\nEnded {slack_date(nudge.ended_at)}",
            accessory=reflect_now_button(nudge.request_id),
        )
        for nudge in shown
    ]
    more = info.more_reflections + len(info.reflections) - len(shown)
    if more > 0:
        blocks.append(context(f"…and {count_phrase(more, 'more reflection')} waiting."))
    return blocks


def _day(moment: datetime) -> str:
    return slack_date(moment, pattern=DAY)
