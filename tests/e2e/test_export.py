"""Reports people can hand over: exports with names and organisations, every partnership or
one, over a date range; CSV, JSON and a Markdown report; by the command line (a real process
talking to the fake Slack) and from the Home tab's *Export* (a file by direct message)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.db.models import Check, Person, Signal
from bot.usecases.export import ExportRequest, export_data, render_csv, render_markdown
from tests.e2e.checkflow import CHANNEL, LEAD, start_check
from tests.e2e.summaryflow import add_next_step, answer_every_question, close, comment
from tests.e2e.test_home import add_partnership
from tests.e2e.test_our_side_never_shared import SECRET, answer_in_form, click, dm_button
from tests.meetings.test_meetings import choose
from tests.meetings.test_meetings import form as meeting_form
from tests.meetings.test_meetings import submit as submit_meeting
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.harness import START, Harness, make_harness

CLIENT_1, CLIENT_2, OURS_2 = "U0CLIENT1", "U0CLIENT2", "U0OURS2"
PEOPLE = [LEAD, OURS_2, CLIENT_1, CLIENT_2]
CLIENT_TEAM = "T0NORTHWIND"


def picks(question_id: str, user: str) -> str:
    client = user.startswith("U0CLIENT")
    if question_id.startswith("pc.trust."):
        return "2" if client else "5"
    if question_id == "pc.goals.deal_breakers":
        return "deal_breaker" if user == CLIENT_1 else "none"
    if question_id in ("pc.along.common_history", "pc.actions.next_steps"):
        return "yes"
    if question_id == "pc.consultants.role":
        return "collaborator"
    return "4"


async def a_partnership_with_history(h: Harness) -> None:
    h.fake.add_user(LEAD, name="lena.lead")
    h.fake.add_user(OURS_2, name="omar.ours")
    h.fake.add_user(CLIENT_1, name="cleo.client", team_id=CLIENT_TEAM)
    h.fake.add_user(CLIENT_2, name="carl.client", team_id=CLIENT_TEAM)
    await start_check(h, client=[CLIENT_1, CLIENT_2], name="Acme | Northwind")
    await comment(h, CLIENT_1, "Trust is <b>still</b> early")
    await add_next_step(h, user=LEAD, text="Book the [joint] workshop", owner=CLIENT_1, due=None)
    await answer_every_question(h, PEOPLE, picks)
    await close(h)
    async with h.db().unit_of_work() as session:
        check = (await session.scalars(select(Check))).one()
        session.add(
            Signal(
                partnership_id=check.partnership_id,
                kind="meeting_cancelled",
                detail={"title": "Quarterly review", "starts_at": START.isoformat(), "by": LEAD},
                occurred_at=START,
                created_at=START,
            )
        )
    await add_partnership(
        h.db(), "Globex", created_by="UOTHER", team_id="T0OURS", at=START + timedelta(hours=1)
    )


async def test_an_export_names_everyone_once_and_says_their_organisation(
    harness: Harness,
) -> None:
    h = harness
    await a_partnership_with_history(h)
    h.fake.clear()

    data = await export_data(h.db(), ExportRequest(), gateway=h.services.gateway, clock=h.clock)

    acme, globex = data["partnerships"]
    assert globex["partnership"]["name"] == "Globex" and globex["checks"] == []
    assert acme["organisations"] == {"ours": "T0OURS", "client": [CLIENT_TEAM]}
    [check] = acme["checks"]
    assert check["lead_name"] == "lena.lead"
    named = {(a["user_id"], a["name"], a["organisation"], a["workspace"]) for a in check["answers"]}
    assert named == {
        (LEAD, "lena.lead", "Acme", "T0OURS"),
        (OURS_2, "omar.ours", "Acme", "T0OURS"),
        (CLIENT_1, "cleo.client", "Client", CLIENT_TEAM),
        (CLIENT_2, "carl.client", "Client", CLIENT_TEAM),
    }
    assert [s["owner_name"] for s in acme["next_steps"]] == ["cleo.client"]
    assert [w["title"] for w in acme["warning_signs"]] == ["Quarterly review"]
    assert "by" not in acme["warning_signs"][0]
    looked_up = sorted(c.args["user"] for c in h.fake.calls_to("users.info"))
    assert looked_up == sorted(PEOPLE)
    async with h.db().reading() as session:
        assert len((await session.scalars(select(Person))).all()) == 4

    h.fake.clear()
    again = await export_data(
        h.db(), ExportRequest(channel_id=CHANNEL), gateway=h.services.gateway, clock=h.clock
    )
    assert h.fake.calls_to("users.info") == []  # resolved once, then read from storage
    assert [p["partnership"]["name"] for p in again["partnerships"]] == ["Acme | Northwind"]

    rows = list(csv.DictReader(io.StringIO(render_csv(data))))
    questions = len(h.services.bank.template_questions("partnership_check"))
    assert len(rows) == 4 * questions
    client_rows = {
        (r["name"], r["organisation"], r["workspace"]) for r in rows if r["user_id"] == CLIENT_1
    }
    assert client_rows == {("cleo.client", "Client", CLIENT_TEAM)}
    assert {r["partnership"] for r in rows} == {"Acme | Northwind"}


async def test_a_date_range_keeps_the_checks_started_within_it(harness: Harness) -> None:
    h = harness
    await a_partnership_with_history(h)
    day = START.date()

    def request(since: date | None, until: date | None) -> ExportRequest:
        return ExportRequest(channel_id=CHANNEL, since=since, until=until)

    async def checks(since: date | None, until: date | None) -> int:
        data = await export_data(h.db(), request(since, until), gateway=None, clock=h.clock)
        return len(data["partnerships"][0]["checks"])

    assert await checks(day, day) == 1
    assert await checks(None, day - timedelta(days=1)) == 0
    assert await checks(day + timedelta(days=1), None) == 0
    later = await export_data(
        h.db(), request(day + timedelta(days=1), None), gateway=None, clock=h.clock
    )
    assert later["partnerships"][0]["next_steps"] == []
    assert later["since"] == (day + timedelta(days=1)).isoformat()


async def test_the_markdown_report_reads_as_a_client_report(harness: Harness) -> None:
    h = harness
    await a_partnership_with_history(h)
    data = await export_data(
        h.db(), ExportRequest(channel_id=CHANNEL), gateway=h.services.gateway, clock=h.clock
    )

    report = render_markdown(data["partnerships"][0], exported_at=data["exported_at"])

    lines = report.splitlines()
    assert lines[0] == "# Partnership report: Acme \\| Northwind"
    assert f"- Client's Slack workspaces: {CLIENT_TEAM}" in lines
    summaries = lines.index("## Summaries over time")
    steps = lines.index("## Next steps")
    signs = lines.index("## Warning signs")
    assert summaries < steps < signs
    over_time = "\n".join(lines[summaries:steps])
    assert "| Trust | no | 5.0 (2) | 2.0 (2) |" in over_time
    assert "2 answered at Acme, 2 at Client. First time measured." in over_time
    assert "Deal breakers raised:" in over_time
    assert "- [ ] Book the \\[joint\\] workshop (cleo.client)" in lines
    assert any("Client cancelled “Quarterly review”" in line for line in lines[signs:])
    assert "<b>" not in report


def later_picks(question_id: str, user: str) -> str:
    """A month on: Acme trusts a little less, Northwind more."""
    if question_id.startswith("pc.trust."):
        return "3" if user.startswith("U0CLIENT") else "4"
    return picks(question_id, user)


async def test_the_markdown_report_can_be_put_in_front_of_the_client(harness: Harness) -> None:
    """Each side named by its organisation, each side's own trend, and nothing of our side's:
    no self-check, no meeting we cancelled counted as the client's warning sign."""
    h = harness
    h.fake.add_team(CLIENT_TEAM, "Northwind")
    await a_partnership_with_history(h)
    h.fake.set_channel_members(CHANNEL, PEOPLE)
    await h.command("self-check", user_id=LEAD, channel_id=CHANNEL)
    await click(h, dm_button(h, LEAD, ids.ANSWER_NOW), LEAD, channel="D" + LEAD)
    await answer_in_form(h, LEAD, ids.ASYNC_ANSWERS_VIEW)
    await click(h, dm_button(h, LEAD, ids.CLOSE_CHECK), LEAD, channel="D" + LEAD)
    await submit_meeting(h, meeting_form(title="Weekly sync", partnership=None), view_id="V0M1")
    await choose(h, "cancel_us:1")
    h.clock.advance(timedelta(days=30))
    await start_check(h, client=[CLIENT_1, CLIENT_2], view_id="V0SECOND")
    await answer_every_question(h, PEOPLE, later_picks)
    await close(h)
    data = await export_data(
        h.db(), ExportRequest(channel_id=CHANNEL), gateway=h.services.gateway, clock=h.clock
    )
    [partnership] = data["partnerships"]
    assert [c["ours_only"] for c in partnership["checks"]] == [False, True, False]
    assert [w["title"] for w in partnership["warning_signs"]] == ["Quarterly review"]

    report = render_markdown(partnership, exported_at=data["exported_at"])

    assert "- Between: Acme and Northwind" in report
    assert "| | ticked | Acme | Northwind |" in report
    assert "2 answered at Acme, 2 at Northwind." in report
    assert "| Trust | no | 4.0 (2) ↘ (was 5.0) | 3.0 (2) ↗ (was 2.0) |" in report
    assert "Northwind cancelled “Quarterly review”" in report
    assert "Weekly sync" not in report  # we cancelled it: not the client's warning sign
    assert "our side" not in report.lower() and "client side" not in report.lower()
    assert "self-check" not in report.lower() and SECRET not in report
    for question in h.services.bank.template_questions("self_check"):
        assert question.text not in report


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(Path(__file__).parents[2]), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_command_line_exports_with_names_from_slack(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pc.db'}"
    h = await make_harness(url, fake_slack)
    try:
        await a_partnership_with_history(h)
    finally:
        await h.stop()
    env = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_API_BASE_URL": fake_slack.base_url,
    }

    code, out, err = await run_cli("export", "--format", "csv", env=env, cwd=tmp_path)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["name"] for r in rows} == {"lena.lead", "omar.ours", "cleo.client", "carl.client"}

    code, out, err = await run_cli(
        "export", "--channel", CHANNEL, "--format", "markdown", env=env, cwd=tmp_path
    )
    assert code == 0, err
    assert out.startswith("# Partnership report: Acme")

    code, out, err = await run_cli(
        "export",
        "--since",
        START.date().isoformat(),
        "--until",
        "2026-12-31",
        env=env,
        cwd=tmp_path,
    )
    assert code == 0, err
    assert len(json.loads(out)["partnerships"][0]["checks"]) == 1

    code, _, err = await run_cli("export", "--format", "markdown", env=env, cwd=tmp_path)
    assert code == 1 and "add --channel" in err and "Traceback" not in err
    code, _, err = await run_cli("export", "--since", "yesterday", env=env, cwd=tmp_path)
    assert code == 2 and "not a day like" in err


async def press_export(h: Harness, user: str, fmt: str) -> None:
    action = ids.EXPORT_PARTNERSHIPS + (":json" if fmt == "json" else "")
    reply = await h.post(
        signing.block_action(
            action_id=action,
            value=fmt,
            user_id=user,
            view={"id": "VHOME", "type": "home", "blocks": []},
            message_ts=None,
        )
    )
    assert reply.status == 200


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_a_practice_lead_exports_every_partnership_from_home(
    harness: Harness, fmt: str
) -> None:
    h = harness
    await a_partnership_with_history(h)
    h.fake.add_user("U0ADMIN", is_admin=True)
    h.fake.add_user("U0PRACTICE", name="pat.practice")
    await h.command("admins add <@U0PRACTICE>", user_id="U0ADMIN", channel_id=CHANNEL)
    h.fake.clear()

    await press_export(h, "U0PRACTICE", fmt)

    shared = h.fake.last("files.completeUploadExternal")
    assert shared.args["channel_id"] == "DU0PRACTICE"
    [content] = h.fake.uploads.values()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(content.decode())))
        assert {r["partnership"] for r in rows} == {"Acme | Northwind"}
    else:
        names = [p["partnership"]["name"] for p in json.loads(content)["partnerships"]]
        assert names == ["Acme | Northwind", "Globex"]


async def test_someone_else_cannot_export_from_home(harness: Harness) -> None:
    h = harness
    await a_partnership_with_history(h)
    h.fake.clear()
    await press_export(h, OURS_2, "csv")
    assert h.fake.uploads == {}
    assert "practice leads" in h.fake.last("chat.postMessage").args["text"]
