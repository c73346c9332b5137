"""What makes a next step valid. Pure."""

from __future__ import annotations

from datetime import date

STEP_TEXT_MAX = 300
OPEN = "open"
DONE = "done"


class InvalidStep(Exception):
    """`problems` maps a form field ("text", "owner", "due") to a sentence for a person."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def clean_step(
    *, text: str | None, owner: str | None, due: str | None, today: date
) -> tuple[str, str, date | None]:
    """(what, owner, due date) of a next step, or InvalidStep saying what to fix."""
    problems: dict[str, str] = {}
    what = " ".join((text or "").split())
    if not what:
        problems["text"] = "Say what will happen, e.g. “Send the draft plan to Anna”."
    elif len(what) > STEP_TEXT_MAX:
        problems["text"] = f"Keep it within {STEP_TEXT_MAX} characters; this has {len(what)}."
    if not owner:
        problems["owner"] = "Pick who takes this step; it can be someone from either side."
    due_date: date | None = None
    if due:
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            problems["due"] = "Pick the date with the calendar."
        else:
            if due_date < today:
                problems["due"] = "Pick today or a later date, or leave the date empty."
    if problems:
        raise InvalidStep(problems)
    return what, str(owner), due_date
