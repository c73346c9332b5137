"""The summary of a check, its history, and the way it is shared. Pure: data in, Block Kit out.

Everything a person wrote (comments, next steps, names) goes through escape(), and every
message stays within Slack's limits: at most 50 blocks, section text within 3000 characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.text import (
    SECTION_TEXT_MAX,
    button,
    context,
    escape,
    mention,
    section,
    slack_date,
    trim,
)
from bot.domain.answers import SIDE_LABELS
from bot.domain.summary import DimensionResult, SideFigure, SignalLine, Summary, Trend

MAX_MESSAGE_BLOCKS = 50
COMMENT_SHOWN_MAX = 500
COMMENT_BLOCKS_MAX = 10
STEP_BLOCKS_MAX = 4
DEAL_BREAKER_BLOCKS_MAX = 3
HISTORY_BLOCKS_MAX = 40
PACK_LIMIT = SECTION_TEXT_MAX - 100

TREND_WORDS = {
    Trend.UP: ":arrow_upper_right: up since the last check",
    Trend.DOWN: ":arrow_lower_right: down since the last check",
    Trend.SAME: ":left_right_arrow: about the same as last time",
    Trend.FIRST: "first time measured",
    Trend.UNKNOWN: "",
}


@dataclass(frozen=True)
class HistoryEntry:
    check_id: int
    template_name: str
    status: str
    started_at: datetime
    summary: Summary | None


def verdict(summary: Summary) -> str:
    """The one-line verdict of the headline, e.g. "4 of 5 needs ticked — a basis for …"."""
    ticked, needs = summary.ticked, summary.needs
    if needs == 0:
        words = "nothing was rated, so there is nothing to tick yet"
    elif ticked == needs:
        words = f"all {needs} needs ticked — a strong base to agree how you work together"
    elif ticked * 5 >= needs * 3:
        words = f"{ticked} of {needs} needs ticked — a basis for deepening the partnership"
    elif ticked:
        words = f"{ticked} of {needs} needs ticked — some foundations, and clear work to do"
    else:
        words = f"0 of {needs} needs ticked — the partnership needs attention before it can grow"
    if summary.deal_breakers:
        return f"A deal breaker was raised; talk about it first. {words[0].upper()}{words[1:]}"
    return words[0].upper() + words[1:]


def headline_message(
    summary: Summary, *, shared_by: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The compact message in the channel; the details go in its thread."""
    name = escape(summary.partnership_name)
    icon = ":warning:" if summary.deal_breakers else ":bar_chart:"
    line = verdict(summary)
    people = (
        f"{summary.respondents.get('ours', 0)} answered on our side, "
        f"{summary.respondents.get('client', 0)} on the client side."
    )
    where = "Shared again by " + mention(shared_by) + ". " if shared_by else ""
    if summary.signals_total:
        people += (
            f" {summary.signals_total} meeting{'s' if summary.signals_total != 1 else ''} "
            "moved or cancelled since the last check."
        )
    blocks = [
        section(
            f"{icon} *Summary · {escape(summary.template_name)} · {name}*\n{escape(line)}",
            block_id="summary_headline",
        ),
        context(
            f"{where}{people} Each need, the comments, next steps and a chart are in the thread."
        ),
    ]
    return trim(f"Summary for {escape(summary.partnership_name)}: {line}", 3000), blocks


def details_message(
    summary: Summary, *, max_blocks: int = MAX_MESSAGE_BLOCKS
) -> tuple[str, list[dict[str, Any]]]:
    """Every need side by side, deal breakers first, next steps, then comments (cut if long)."""
    blocks: list[dict[str, Any]] = []
    if summary.deal_breakers:
        lines = [_deal_breaker_line(d, summary.anonymous) for d in summary.deal_breakers]
        packed, left = pack_lines(
            lines, max_blocks=DEAL_BREAKER_BLOCKS_MAX, first=":no_entry: *Deal breakers raised*"
        )
        blocks += packed
        if left:
            blocks.append(context(f"…and {left} more; the export lists every answer."))
    blocks += _signal_blocks(summary)
    dimension_lines = [_dimension_text(d) for d in summary.dimensions]
    if len(dimension_lines) <= 12:
        blocks += [section(text) for text in dimension_lines]
    else:
        blocks += pack_lines(dimension_lines, max_blocks=6)[0]
    if summary.every_need_ticked and summary.template_id != "ground_rules":
        blocks.append(
            section(
                ":handshake: Every need is ticked. A good moment to agree your ground rules: "
                "run `/partnership check` and pick *Ground rules*."
            )
        )
    blocks += _next_step_blocks(summary)
    footer = context(_footer(summary))
    room = max_blocks - len(blocks) - 2  # the footer, and a pointer if comments are cut
    if summary.comments and room > 0:
        lines = [_comment_line(c) for c in summary.comments]
        packed, left = pack_lines(
            lines, max_blocks=min(room, COMMENT_BLOCKS_MAX), first="*Comments*"
        )
        blocks += packed
        left += summary.comments_total - len(summary.comments)
        if left:
            blocks.append(
                context(
                    f"…and {left} more comments. To read every one, whoever runs the app can "
                    f"use `partnercheck export --channel {summary.channel_id}`."
                )
            )
    blocks.append(footer)
    text = (
        f"Details of the {escape(summary.template_name)} summary for "
        f"{escape(summary.partnership_name)}"
    )
    return trim(text, 3000), blocks[:max_blocks]


def _signal_blocks(summary: Summary) -> list[dict[str, Any]]:
    """Meetings moved or cancelled since the previous check: a warning sign beside the answers."""
    if not summary.signals:
        return []
    lines = [_signal_text(line) for line in summary.signals]
    more = summary.signals_total - len(summary.signals)
    if more > 0:
        lines.append(f"…and {more} more; `/partnership meetings` lists them.")
    packed, _ = pack_lines(
        lines, max_blocks=1, first=":calendar: *Warning signs since the last check*"
    )
    return packed


def _signal_text(line: SignalLine) -> str:
    title = escape(trim(line.title, 150))
    when = _when(line.starts_at)
    origin = " (from the calendar)" if line.source == "calendar" else ""
    if line.kind == "meeting_moved":
        target = _when(line.moved_to)
        return f"• “{title}”{when} was moved{' to' + target if target else ''}{origin}"
    return f"• “{title}”{when} was cancelled{origin}"


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return " " + slack_date(datetime.fromisoformat(iso))
    except ValueError:
        return ""


def private_summary_message(summary: Summary) -> tuple[str, list[dict[str, Any]]]:
    """The latest summary for one person, with a button to post it in the channel."""
    text, head = headline_message(summary)
    _, details = details_message(summary, max_blocks=MAX_MESSAGE_BLOCKS - len(head) - 1)
    share = {
        "type": "actions",
        "block_id": "share",
        "elements": [
            button("Share in channel", ids.SHARE_SUMMARY, str(summary.check_id), style="primary")
        ],
    }
    return text, [head[0], *details, share][:MAX_MESSAGE_BLOCKS]


def history_message(
    partnership_name: str, entries: Sequence[HistoryEntry], channel_id: str
) -> tuple[str, list[dict[str, Any]]]:
    """Every check of the partnership, oldest first, with its ticks."""
    lines = [_history_line(entry) for entry in entries]
    packed, left = pack_lines(
        lines,
        max_blocks=HISTORY_BLOCKS_MAX,
        first=f":calendar: *Checks of {escape(partnership_name)}*, oldest first",
    )
    blocks = packed
    if left:
        blocks.append(
            context(
                f"…and {left} more recent checks. `partnercheck export --channel {channel_id}` "
                "lists them all."
            )
        )
    blocks.append(
        context(
            ":white_check_mark: ticked · :white_large_square: not ticked · :no_entry: deal "
            "breaker · :grey_question: figures withheld (anonymous, too few answers)"
        )
    )
    return f"{len(entries)} checks of {escape(partnership_name)}", blocks


def pack_lines(
    lines: Iterable[str], *, max_blocks: int, first: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Sections holding as many whole lines as fit; the number of lines left out."""
    blocks: list[dict[str, Any]] = []
    current = first or ""
    pending = list(lines)
    used = 0
    for line in pending:
        line = trim(line, PACK_LIMIT)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= PACK_LIMIT:
            current = candidate
            used += 1
            continue
        if len(blocks) + 1 >= max_blocks:
            break
        blocks.append(section(current))
        current = line
        used += 1
    if current:
        blocks.append(section(current))
    return blocks, len(pending) - used


# ---------------------------------------------------------------- pieces


def _mark(d: DimensionResult) -> str:
    if d.deal_breaker:
        return ":no_entry:"
    if d.ticked is None:
        return ":grey_question:"
    return ":white_check_mark:" if d.ticked else ":white_large_square:"


def _dimension_text(d: DimensionResult) -> str:
    mark = _mark(d)
    trend = TREND_WORDS.get(d.trend, "")
    title = f"{mark} *{escape(d.label)}*" + (f" · {trend}" if trend else "")
    sides = f"Our side {_figure(d.ours)} · Client side {_figure(d.client)}"
    lines = [title, sides]
    if d.divergent and d.gap is not None:
        lines.append(
            f":warning: The two sides are {d.gap:.1f} points apart here: worth talking through."
        )
    if d.deal_breaker:
        lines.append("Not ticked: a deal breaker was raised on this need.")
    withheld = [name for name, f in (("our", d.ours), ("client", d.client)) if f.withheld]
    if withheld:
        lines.append(
            f"The {' and '.join(withheld)} side's figures are withheld: in an anonymous check "
            "a side needs at least 2 people answering before its numbers are shown."
        )
    return "\n".join(lines)


def _figure(figure: SideFigure) -> str:
    if figure.withheld:
        return f"_withheld_ ({figure.answered} answered)"
    if figure.mean is None:
        return "_no answers_"
    return f"*{figure.mean:.1f}* ({figure.answered} answered)"


def _deal_breaker_line(deal: Any, anonymous: bool) -> str:
    where = f"{escape(deal.dimension_label)}: “{escape(trim(deal.question, 200))}”"
    if anonymous or not deal.people:
        return f"• {where}, raised by {deal.count} {'person' if deal.count == 1 else 'people'}"
    who = ", ".join(
        f"{mention(user)} ({SIDE_LABELS.get(side, side)})" for user, side in deal.people
    )
    return f"• {where}, raised by {who}"


def _comment_line(comment: Any) -> str:
    text = trim(comment.text, COMMENT_SHOWN_MAX)
    if comment.user_id:
        who = mention(comment.user_id)
    elif comment.side:
        who = f"someone on {SIDE_LABELS.get(comment.side, comment.side)}"
    else:
        who = "someone"
    return f"• _{escape(comment.dimension_label)}_, {who}: {escape(text)}"


def _next_step_blocks(summary: Summary) -> list[dict[str, Any]]:
    new = [s for s in summary.next_steps if not s.carried]
    carried = [s for s in summary.next_steps if s.carried]
    if not new and not carried:
        return [
            context(
                "No next steps were added during this check. Next time, press *Add next step* "
                "on the check so commitments are written down with an owner."
            )
        ]
    lines = []
    if new:
        lines.append("*Next steps agreed*")
        lines += [f"• {_step(s)}" for s in new]
    if carried:
        lines.append("*Carried forward from earlier checks*")
        lines += [
            f"• {':white_check_mark: done' if s.done else ':hourglass: still open'}: {_step(s)}"
            for s in carried
        ]
    packed, left = pack_lines(lines, max_blocks=STEP_BLOCKS_MAX)
    if left:
        packed.append(
            context(
                f"…and {left} more next steps. `partnercheck export --channel "
                f"{summary.channel_id}` lists every answer."
            )
        )
    return packed


def _step(step: Any) -> str:
    owner = mention(step.owner_user_id) if step.owner_user_id else "no owner yet"
    due = f", due {_day(step.due)}" if step.due else ""
    return f"{escape(step.text)} — {owner}{due}"


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%a %-d %b %Y")
    except ValueError:
        return escape(iso)


def _footer(summary: Summary) -> str:
    rules = summary.rules
    how = (
        f"A need is ticked when both sides average {rules.tick_threshold:g} or more out of 5 "
        f"(“yes” counts as 5) and nobody raised a deal breaker on it; sides {rules.divergence:g} "
        "or more points apart are flagged."
    )
    if summary.anonymous:
        how += (
            " Anonymous check: no names, and a side's figures are shown only when 2 or more "
            "people on it answered."
        )
    return how


def _history_line(entry: HistoryEntry) -> str:
    day = entry.started_at.strftime("%-d %b %Y")
    title = f"*{day}* · {escape(entry.template_name)}"
    if entry.summary is None:
        state = "still open" if entry.status == "open" else "closed, no summary yet"
        return f"{title} · {state}"
    s = entry.summary
    marks = "".join(_mark(d) for d in s.dimensions)
    return f"{title} · {s.ticked} of {s.needs} ticked {marks}"
