"""A person's own nudge settings: working hours, working days, or no nudges at all."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.text import escape
from bot.db import outbox
from bot.db.models import PersonSettings
from bot.domain.nudge_timing import (
    BadHours,
    WorkingHours,
    parse_days,
    parse_hours,
)
from bot.domain.wording import count_phrase
from bot.plumbing.errors import UserError
from bot.services import Services
from bot.usecases.nudges import OPTED_OUT, REFLECTION_KINDS, default_hours

USAGE = (
    "`/partnership settings` shows your nudge settings. Change them with "
    "`/partnership settings hours 08:30-17:00`, `/partnership settings days mon-thu`, "
    "`/partnership settings off` (no reflection nudges at all) or `/partnership settings on`."
)


@dataclass(frozen=True)
class PersonView:
    tz: str | None
    hours: WorkingHours
    opted_out: bool
    cancelled: int = 0

    def describe(self) -> str:
        zone = self.tz or "your Slack time zone (I'll read it before the first nudge)"
        if self.opted_out:
            state = "You get *no* reflection nudges. `/partnership settings on` turns them back on."
        else:
            state = (
                f"Reflection nudges reach you only in your working hours: "
                f"*{self.hours.describe()}* in {zone}."
            )
        if self.cancelled:
            state += f" I cancelled {count_phrase(self.cancelled, 'nudge')} waiting for you."
        return state + "\n" + USAGE


async def change_settings(
    services: Services, *, user_id: str, team_id: str, text: str
) -> PersonView:
    """Apply `/partnership settings <text>` for this person and say what they now have."""
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        person = await session.get(PersonSettings, user_id)
        if person is None:
            person = PersonSettings(
                user_id=user_id,
                team_id=team_id,
                **default_hours(),
                opted_out=False,
                updated_at=now,
            )
            session.add(person)
        hours = WorkingHours.stored(person.work_days, person.work_start, person.work_end)
        cancelled = 0
        try:
            if verb in ("", "show"):
                pass
            elif verb == "hours":
                start, end = parse_hours(rest)
                hours = WorkingHours(days=hours.days, start=start, end=end)
            elif verb == "days":
                hours = WorkingHours(days=parse_days(rest), start=hours.start, end=hours.end)
            elif verb in ("off", "stop", "optout", "opt-out"):
                person.opted_out = True
                cancelled = await outbox.cancel_for_user(
                    session=session,
                    user_id=user_id,
                    kinds=REFLECTION_KINDS,
                    now=now,
                    reason=OPTED_OUT,
                )
            elif verb in ("on", "start"):
                person.opted_out = False
            else:
                raise UserError(f"I don't know the setting `{escape(verb[:30])}`. {USAGE}")
        except BadHours as problem:
            raise UserError(escape(str(problem))) from None
        person.work_days, person.work_start, person.work_end = hours.columns()
        person.updated_at = now
        return PersonView(
            tz=person.tz, hours=hours, opted_out=person.opted_out, cancelled=cancelled
        )
