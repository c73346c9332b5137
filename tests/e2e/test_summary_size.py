"""A check with 200 people and long comments: every summary payload stays valid."""

from __future__ import annotations

import json

from bot.db.models import Check
from tests.e2e.checkflow import CHANNEL, start_check
from tests.e2e.summaryflow import close, summary_calls
from tests.support.harness import Harness
from tests.support.seeding import seed_answers


async def test_200_people_with_long_comments(harness: Harness) -> None:
    h = harness
    await start_check(h, mode="async", deadline=int(h.clock.now().timestamp()) + 86400)
    async with h.db().unit_of_work() as session:
        check_id = (await session.get(Check, 1)).id
    seeded = await seed_answers(h.db(), check_id, people=200, now=h.clock.now())
    assert seeded == 200 * len(h.services.bank.template_questions("partnership_check"))
    await close(h)

    headline, details = summary_calls(h)
    assert "100 answered at Acme, 100 at Client" in json.dumps(headline.args)
    blocks = details.args["blocks"]
    assert len(blocks) <= 50
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "more comments" in shown and f"partnercheck export --channel {CHANNEL}" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert h.fake.uploads and next(iter(h.fake.uploads.values())).startswith(b"\x89PNG")
    h.assert_payloads_valid()
