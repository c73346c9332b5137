"""The summary of a check, its history, and the way it is shared. Pure: data in, Block Kit out.

Everything a person wrote (comments, next steps, names) goes through escape(), and every
message stays within Slack's limits: at most 50 blocks, section text within 3000 characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
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
from bot.domain.calendar_feed import TITLE_MAX  # a meeting's title: shown whole
from bot.domain.summary import (
    DimensionResult,
    HeadlineSpec,
    Picks,
    SideFigure,
    SignalLine,
    Summary,
    Trend,
    WarningLine,
)
from bot.domain.wording import CLIENT_SIDE, OUR_SIDE, all_of, count_phrase, one_decimal

MAX_MESSAGE_BLOCKS = 50
COMMENT_SHOWN_MAX = 500
COMMENT_BLOCKS_MAX = 10
STEP_BLOCKS_MAX = 4
DEAL_BREAKER_BLOCKS_MAX = 3
HISTORY_BLOCKS_MAX = 40
PACK_LIMIT = SECTION_TEXT_MAX - 100

TREND_ARROWS = {Trend.UP: "↗", Trend.DOWN: "↘", Trend.SAME: "→"}
SIDES = (OUR_SIDE, CLIENT_SIDE)
FIRST_TIME = "First time measured: the next check of this kind will show how each side has moved."
FIRST_TIME_OURS = "First time measured: the next one will show how our answers have moved."


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
    of_needs = f"of {count_phrase(needs, 'need')} ticked"
    if needs == 0:
        words = (
            "nothing was rated, so there is nothing to tick yet"
            if not summary.dimensions and not summary.headline
            else f"what {_and(summary.our_name, summary.client_name, summary)} said"
        )
    elif needs == 1:
        [need] = [d for d in summary.dimensions if d.need]
        words = (
            f"{need.label} ticked — both sides rate it {summary.rules.tick_threshold:g} or more"
            if need.ticked
            else f"{need.label} not ticked yet — worth agreeing together"
        )
    elif ticked == needs:
        words = f"{all_of(needs, 'need')} ticked — a strong base to agree how you work together"
    elif ticked * 5 >= needs * 3:
        words = f"{ticked} {of_needs} — a basis for deepening the partnership"
    elif ticked:
        words = f"{ticked} {of_needs} — some foundations, and clear work to do"
    else:
        words = f"0 {of_needs} — the partnership needs attention before it can grow"
    if summary.deal_breakers:
        return f"A deal breaker was raised; talk about it first. {words[0].upper()}{words[1:]}"
    return words[0].upper() + words[1:]


def _and(ours: str, client: str, summary: Summary) -> str:
    answered = [
        name
        for side, name in ((OUR_SIDE, ours), (CLIENT_SIDE, client))
        if summary.respondents.get(side)
    ]
    return " and ".join(answered) if answered else "each side"


def headline_message(
    summary: Summary, *, shared_by: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The compact message in the channel: the verdict and the template's own headline lines;
    the details go in its thread."""
    name = escape(summary.partnership_name)
    icon = ":warning:" if summary.deal_breakers else ":bar_chart:"
    line = verdict(summary)
    lines = [f"{icon} *Summary · {escape(summary.template_name)} · {name}*", escape(line)]
    lines += [f"• {text}" for text in headline_lines(summary)]
    people = f"{summary.respondents.get(OUR_SIDE, 0)} answered at {escape(summary.our_name)}"
    if summary.ours_only:  # asked of our side only: nobody at the client was asked
        people += "."
    else:
        people += f", {summary.respondents.get(CLIENT_SIDE, 0)} at {escape(summary.client_name)}."
    where = "Shared again by " + mention(shared_by) + ". " if shared_by else ""
    if summary.warnings:
        count = len(summary.warnings)
        people += f" {count_phrase(count, 'warning sign')} in the answers."
    if summary.signals_total:
        people += (
            f" {count_phrase(summary.signals_total, 'meeting')} "
            "moved or cancelled since the last check."
        )
    blocks = [
        section(trim("\n".join(lines), SECTION_TEXT_MAX), block_id="summary_headline"),
        context(f"{where}{people} {_in_the_thread(summary)}"),
    ]
    return trim(f"Summary for {escape(summary.partnership_name)}: {escape(line)}", 3000), blocks


def headline_lines(summary: Summary) -> list[str]:
    """The template's own headline lines (mrkdwn), e.g. "*Role we played*: Acme: 2 × Expert"."""
    return [text for item in summary.headline if (text := _headline_line(summary, item))]


def _in_the_thread(summary: Summary) -> str:
    """What the thread holds, naming only what is there: "The details, comments, next steps
    and a chart are in the thread."."""
    parts = ["the details"]
    if summary.comments:
        parts.append("comments")
    if summary.next_steps:
        parts.append("next steps")
    if summary.has_chart:
        parts.append("a chart")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{listed[0].upper()}{listed[1:]} are in the thread."


def _headline_line(summary: Summary, item: HeadlineSpec) -> str:
    """One headline line: a question's picks per side (and last time's, when they differ), or
    a dimension's figures per side with their trends."""
    label = f"*{escape(item.label)}*"
    if item.question_id:
        picks = summary.picks_of(item.question_id)
        if picks is None:
            return ""
        now = _picks_text(summary, picks, short=True)
        return f"{label}: {now}{_since(summary, picks, short=True)}"
    dimension = summary.dimension(item.dimension or "")
    if dimension is None:
        return ""
    return f"{label}: {_sides_text(summary, dimension, compact=True)}"


def _picks_text(
    summary: Summary, picks: Picks, *, before: bool = False, short: bool = False
) -> str:
    """ "Acme Collaborator 2 · Northwind Expert 1, Collaborator 1" (or last time's)."""
    names = picks.short if short else picks.labels
    parts = []
    for side in SIDES:
        if before:
            chosen = [(str(a), int(b)) for a, b in (picks.before or {}).get(side, ())]
        else:
            chosen = list(picks.side(side))
        name = escape(summary.name_of(side))
        if side in picks.withheld and not before:
            parts.append(f"{name} _withheld_ (too few answered to show)")
        elif chosen:
            counted = (f"{n} × {escape(names.get(v, v))}" for v, n in chosen)
            parts.append(f"{name}: " + ", ".join(counted))
    return " · ".join(parts) if parts else "_no answers_"


def _since(summary: Summary, picks: Picks, *, short: bool = False) -> str:
    """ " _(last time: …)_" when last time's picks differ from this time's, else ""."""
    if picks.before is None:
        return ""
    then = _picks_text(summary, picks, before=True, short=short)
    if then == _picks_text(summary, picks, short=short):
        return ""
    reworded = ", asked in other words" if picks.wording_changed else ""
    return f" _(last time{reworded}: {then})_"


def details_message(
    summary: Summary, *, max_blocks: int = MAX_MESSAGE_BLOCKS
) -> tuple[str, list[dict[str, Any]]]:
    """Every need side by side, deal breakers first, next steps, then comments (cut if long)."""
    blocks: list[dict[str, Any]] = []
    if summary.deal_breakers:
        lines = [_deal_breaker_line(summary, d) for d in summary.deal_breakers]
        packed, left = pack_lines(
            lines, max_blocks=DEAL_BREAKER_BLOCKS_MAX, first=":no_entry: *Deal breakers raised*"
        )
        blocks += packed
        if left:
            blocks.append(context(f"…and {left} more; the export lists every answer."))
    blocks += _warning_blocks(summary)
    blocks += _signal_blocks(summary)
    if summary.first_time and summary.dimensions:
        blocks.append(context(FIRST_TIME_OURS if summary.ours_only else FIRST_TIME))
    needs = [d for d in summary.dimensions if d.need]
    others = [d for d in summary.dimensions if not d.need]
    dimension_lines = [_dimension_text(summary, d) for d in (*needs, *others)]
    if len(dimension_lines) <= 12:
        blocks += [section(text) for text in dimension_lines]
    else:
        blocks += pack_lines(dimension_lines, max_blocks=6)[0]
    choices = [_choice_text(summary, p) for p in summary.picks if p.kind == "choice"]
    if choices:
        heading = "*What we picked*" if summary.ours_only else "*What each side picked*"
        blocks += pack_lines(choices, max_blocks=3, first=heading)[0]
    if summary.every_need_ticked and summary.template_id != "ground_rules":
        blocks.append(
            section(
                ":handshake: Every need is ticked. A good moment to agree your ground rules: "
                "run `/partnership check` and pick *Ground rules*."
            )
        )
    blocks += _next_step_blocks(summary)
    footer = _footer(summary)
    room = max_blocks - len(blocks) - 2  # the footer, and a pointer if comments are cut
    if summary.comments and room > 0:
        lines = [_comment_line(summary, c) for c in summary.comments]
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
    if footer:
        blocks.append(context(footer))
    text = (
        f"Details of the {escape(summary.template_name)} summary for "
        f"{escape(summary.partnership_name)}"
    )
    return trim(text, 3000), blocks[:max_blocks]


def _warning_blocks(summary: Summary) -> list[dict[str, Any]]:
    """Answers the bank marks as warnings (e.g. an unspoken difference), one line each."""
    if not summary.warnings:
        return []
    lines = [_warning_text(summary, w) for w in summary.warnings]
    return pack_lines(lines, max_blocks=2, first=":warning: *Worth raising together*")[0]


def _warning_text(summary: Summary, warning: WarningLine) -> str:
    count = warning.ours + warning.client
    people = count_phrase(count, "person")
    if warning.sides_shown:
        at = [
            f"{n} at {escape(summary.name_of(side))}"
            for side, n in ((OUR_SIDE, warning.ours), (CLIENT_SIDE, warning.client))
            if n
        ]
        people = " and ".join(at)
    question = escape(trim(warning.question, 200))
    return (
        f"• _{escape(warning.dimension_label)}_: {people} answered “{escape(warning.option)}” "
        f"to “{question}”"
    )


def _choice_text(summary: Summary, picks: Picks) -> str:
    question = escape(trim(picks.question, 200))
    return (
        f"• _{escape(picks.dimension_label)}_: “{question}” — "
        f"{_picks_text(summary, picks)}{_since(summary, picks)}"
    )


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
    title = escape(trim(line.title, TITLE_MAX))
    when = _when(line.starts_at)
    # a sign our people noted in a reflection is stated as the fact it is: where it came from
    # is our side's own business, and this line is read in the channel shared with the client
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
                f"…and {count_phrase(left, 'more recent check')}. "
                f"`partnercheck export --channel {channel_id}` "
                "lists them all."
            )
        )
    blocks.append(
        context(
            ":white_check_mark: ticked · :white_large_square: not ticked · :no_entry: deal "
            "breaker · :grey_question: figures withheld (anonymous, too few answers)"
        )
    )
    return f"{count_phrase(len(entries), 'check')} of {escape(partnership_name)}", blocks


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


def _dimension_text(summary: Summary, d: DimensionResult) -> str:
    mark = _mark(d) if d.need else ":small_blue_diamond:"
    title = f"{mark} *{escape(d.label)}*" + ("" if d.need else " · not one of the five needs")
    lines = [title, _sides_text(summary, d)]
    if d.wording_changed and all(d.side_trend(s).trend == Trend.UNKNOWN for s in SIDES):
        lines.append(
            "_The questions here were reworded since last time, so there is no like-for-like "
            "trend this time._"
        )
    elif d.wording_changed:
        lines.append(
            "_Some questions here were reworded since last time: each side's move compares "
            "only the questions asked the same way both times._"
        )
    if d.divergent and d.ours.mean is not None and d.client.mean is not None:
        # the difference of the figures shown, so a reader's own subtraction agrees
        gap = abs(Decimal(one_decimal(d.ours.mean)) - Decimal(one_decimal(d.client.mean)))
        lines.append(f":warning: The two sides are {gap} points apart here: worth talking through.")
    if d.deal_breaker:
        lines.append("Not ticked: a deal breaker was raised on this need.")
    withheld = [summary.name_of(side) for side in SIDES if d.side(side).withheld]
    if withheld:
        lines.append(
            f"{escape(' and '.join(withheld))}: figures withheld; in an anonymous check a side "
            "needs at least 2 people answering before its numbers are shown."
        )
    return "\n".join(lines)


def _sides_text(summary: Summary, d: DimensionResult, *, compact: bool = False) -> str:
    """ "Acme *4.3* (2 answered) ↗ (was 3.7) · Northwind *3.0* (2 answered) ↘ (was 4.0)"."""
    parts = []
    for side in (OUR_SIDE,) if summary.ours_only else SIDES:
        figure = d.side(side)
        if compact and figure.mean is None and not figure.withheld:
            continue
        part = f"{escape(summary.name_of(side))} {_figure(figure, compact=compact)}"
        trend = d.side_trend(side)
        arrow = TREND_ARROWS.get(trend.trend)
        if arrow and figure.mean is not None:
            was = f" (was {one_decimal(trend.was)})" if trend.was is not None else ""
            part += f" {arrow}{was}"
        elif trend.trend == Trend.FIRST and not summary.first_time:
            part += " (new this time)"
        parts.append(part)
    return " · ".join(parts) if parts else "_no answers_"


def _figure(figure: SideFigure, *, compact: bool = False) -> str:
    if figure.withheld:
        return f"_withheld_ ({figure.answered} answered)"
    if figure.mean is None:
        return "_no answers_"
    return f"*{one_decimal(figure.mean)}*" + ("" if compact else f" ({figure.answered} answered)")


def _deal_breaker_line(summary: Summary, deal: Any) -> str:
    where = f"{escape(deal.dimension_label)}: “{escape(trim(deal.question, 200))}”"
    if summary.anonymous or not deal.people:
        return f"• {where}, raised by {count_phrase(deal.count, 'person')}"
    who = ", ".join(
        f"{mention(user)} ({escape(summary.name_of(side))})" for user, side in deal.people
    )
    return f"• {where}, raised by {who}"


def _comment_line(summary: Summary, comment: Any) -> str:
    text = trim(comment.text, COMMENT_SHOWN_MAX)
    if comment.user_id:
        who = mention(comment.user_id)
    elif comment.side:
        who = f"someone at {escape(summary.name_of(comment.side))}"
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
    """How needs are ticked (when the check has any) and what anonymity hides."""
    rules = summary.rules
    how = (
        f"A need is ticked when both sides average {rules.tick_threshold:g} or more out of 5 "
        f"(“yes” counts as 5) and nobody raised a deal breaker on it; sides {rules.divergence:g} "
        "or more points apart are flagged."
        if summary.needs and not summary.ours_only
        else ""
    )
    if summary.anonymous:
        how += (
            " Anonymous check: no names, and a side's figures are shown only when 2 or more "
            "people on it answered."
        )
    return how.strip()


def _history_line(entry: HistoryEntry) -> str:
    day = entry.started_at.strftime("%-d %b %Y")
    title = f"*{day}* · {escape(entry.template_name)}"
    if entry.summary is None:
        state = "still open" if entry.status == "open" else "closed, no summary yet"
        return f"{title} · {state}"
    s = entry.summary
    if not s.needs:
        return f"{title} · summarised"
    marks = "".join(_mark(d) for d in s.dimensions if d.need)
    return f"{title} · {s.ticked} of {s.needs} ticked {marks}"
