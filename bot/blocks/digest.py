"""Block Kit for the lead's digest of reflections. Pure: a Digest in, Block Kit out.

Everything a person wrote is escaped; notes appear with their author only because the
author shared them with our team (the domain never hands over the others).
"""

from __future__ import annotations

from typing import Any

from bot.blocks.meetings import TITLE_MAX  # what the meeting form accepts: shown whole
from bot.blocks.our_side import OUR_SIDE_NOTE
from bot.blocks.text import (
    context,
    count_phrase,
    escape,
    header,
    mention,
    section,
    slack_date,
    trim,
)
from bot.domain.digest import Digest, Notes

Message = tuple[str, list[dict[str, Any]]]

MEETINGS_LISTED = 8
NOTES_LISTED = 8
NOTE_MAX = 300
CONCERN_LABELS = {
    "same": "the same as before",
    "shifting": "starting to shift",
    "new": "new concerns have taken over",
    "unsure": "too early to tell",
}


def headline_text(digest: Digest) -> str:
    """One line, also the notification text (escaped)."""
    return (
        f"Reflections on {escape(digest.partnership_name)}: "
        f"{count_phrase(len(digest.meetings), 'meeting')} held, "
        f"{digest.answered} of {count_phrase(digest.asked, 'reflection')} answered"
    )


def digest_message(digest: Digest, *, weekly: bool = True) -> Message:
    """The digest as a message (the lead's DM or the internal channel) or an ephemeral."""
    title = "Weekly digest of our reflections" if weekly else "Digest of our reflections"
    blocks: list[dict[str, Any]] = [
        header(title),
        section(
            f"*{escape(digest.partnership_name)}*, {slack_date(digest.since)} to "
            f"{slack_date(digest.until)}."
        ),
        *digest_body(digest),
        context(
            f"{OUR_SIDE_NOTE} Notes are shown with their author only when the author ticked "
            "*Share with my team*; the rest are counted, never quoted."
        ),
    ]
    return headline_text(digest), blocks


def digest_body(digest: Digest) -> list[dict[str, Any]]:
    if digest.is_empty:
        return [section("Nothing new: no meeting held and no reflection answered.")]
    blocks = [section(_meetings_text(digest)), section(_judgement_text(digest))]
    for title, notes in (
        ("What we will do differently", digest.differently),
        ("What we plan to share back with the client", digest.share_back),
    ):
        blocks.append(section(_notes_text(title, notes)))
    return blocks


def home_lines(digest: Digest) -> str:
    """A compact digest for the App Home."""
    if digest.is_empty:
        return "Nothing new in our reflections since the last digest."
    lines = [
        f"{count_phrase(len(digest.meetings), 'meeting')} held · "
        f"{digest.answered} of {count_phrase(digest.asked, 'reflection')} answered · "
        f"{digest.no_value} judged of no value to the client",
        _concerns_phrase(digest),
    ]
    shared = digest.differently.shared + digest.share_back.shared
    lines += [f"• {mention(note.user_id)}: {escape(trim(note.text, 150))}" for note in shared[:3]]
    return "\n".join(line for line in lines if line)


def _meetings_text(digest: Digest) -> str:
    lines = [
        f"*Meetings held:* {len(digest.meetings)} · *reflections answered:* "
        f"{digest.answered} of {digest.asked}"
        + (
            f" ({digest.reflections} answered in all, earlier meetings included)"
            if digest.reflections != digest.answered
            else ""
        )
    ]
    for meeting in digest.meetings[:MEETINGS_LISTED]:
        lines.append(
            f"• {escape(trim(meeting.title, TITLE_MAX))}, {slack_date(meeting.ended_at)}: "
            f"{meeting.answered} of {meeting.asked} reflected"
        )
    if len(digest.meetings) > MEETINGS_LISTED:
        lines.append(f"…and {len(digest.meetings) - MEETINGS_LISTED} more")
    return "\n".join(lines)


def _judgement_text(digest: Digest) -> str:
    if digest.judged:
        value = (
            f"*No value for the client:* {digest.no_value} of "
            f"{count_phrase(digest.judged, 'meeting')} judged"
            + (" — ask whether we needed to meet." if digest.no_value else ".")
        )
    else:
        value = "*No value for the client:* nobody judged a meeting's value yet."
    return f"{value}\n{_concerns_phrase(digest)}"


def _concerns_phrase(digest: Digest) -> str:
    if not digest.concerns_total:
        return "*Client's concerns:* nobody said whether they are shifting."
    verdict = "shifting" if digest.concerns_moving * 2 > digest.concerns_total else "mostly steady"
    parts = ", ".join(
        f"{CONCERN_LABELS.get(value, escape(value))} {count}"
        for value, count in sorted(digest.concerns.items(), key=lambda item: -item[1])
    )
    return (
        f"*Client's concerns:* {verdict} — {digest.concerns_moving} of "
        f"{digest.concerns_total} said they are moving ({parts})."
    )


def _notes_text(title: str, notes: Notes) -> str:
    if not notes.total:
        return f"*{title}:* nothing written."
    lines = [f"*{title}:*"]
    for note in notes.shared[:NOTES_LISTED]:
        lines.append(f"• {mention(note.user_id)}: {escape(trim(note.text, NOTE_MAX))}")
    if len(notes.shared) > NOTES_LISTED:
        lines.append(f"…and {len(notes.shared) - NOTES_LISTED} more shared")
    if notes.private:
        lines.append(f"{count_phrase(notes.private, 'more note')} kept private by the author.")
    return "\n".join(lines)
