"""A person's own data: the forget-me confirmation and what the app says about it. Pure."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.text import count_phrase, plain, section

MY_DATA_COMING = (
    "I'm gathering everything I store about you; it arrives in a direct message from me as a "
    "JSON file in a moment."
)
MY_DATA_MESSAGE = "Everything Partnership Check stores about you."


def forget_me_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.FORGET_ME_VIEW,
        "title": plain("Forget me"),
        "submit": plain("Forget me"),
        "close": plain("Keep my data"),
        "blocks": [
            section(
                "*This deletes, in every partnership:* your answers and comments, your "
                "meeting reflections, your reflection settings, the meetings you are listed "
                "as attending, and every message I was still to send you."
            ),
            section(
                "Closed summaries keep the counts your answers went into, without your name "
                "or your words. Checks you led, partnerships you started, meetings you logged "
                "and next steps you added stay for the others, no longer linked to you; "
                "repeating checks you lead stop. Messages already posted in Slack stay there."
            ),
            section("This cannot be undone. `/partnership my data` first if you want a copy."),
        ],
    }


def forgotten_text(
    *, answers: int, comments: int, reflections: int, meetings: int, messages: int
) -> str:
    parts = [
        count_phrase(answers, "answer"),
        count_phrase(comments, "comment"),
        count_phrase(reflections, "reflection"),
        count_phrase(meetings, "meeting attendance"),
        count_phrase(messages, "message"),
    ]
    return (
        "Done: I deleted " + ", ".join(parts) + " and your settings. Closed summaries keep "
        "only the counts, without your name."
    )
