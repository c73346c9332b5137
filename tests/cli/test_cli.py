"""The `partnercheck` command line, run as a real process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from questions.bank import load_bank
from tests.e2e.checkflow import CHANNEL, answer_button, press, start_check
from tests.service.conftest import fresh_database_url  # noqa: F401 (a fixture)
from tests.support.fake_slack import FakeSlack
from tests.support.harness import make_harness
from tests.workspaces import test_two_workspaces as two

TEAM = "T0OURS"  # the workspace the tests' signed requests come from


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(Path(__file__).parents[2]), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_questions_list_and_filter(tmp_path: Path) -> None:
    every = run("questions", "list", cwd=tmp_path)
    assert every.returncode == 0
    for template in ("partnership_check", "ground_rules", "reflection", "self_check"):
        assert template in every.stdout
    one = run("questions", "list", "--template", "self_check", cwd=tmp_path)
    assert one.returncode == 0 and "ground_rules" not in one.stdout
    unknown = run("questions", "list", "--template", "nope", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown template 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_questions_validate_names_file_question_and_reason(tmp_path: Path) -> None:
    assert run("questions", "validate", cwd=tmp_path).returncode == 0
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "broken.yaml").write_text(
        "templates:\n  - id: t\n    name: T\n    description: d\n    sides: [ours]\n"
        "    questions: [q.one]\n"
        "questions:\n  - id: q.one\n    version: 1\n    dimension: trust\n    kind: slider\n"
        "    text: Hello?\n    help: h\n    sides: [ours]\n"
    )
    result = run("questions", "validate", str(bank), cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.yaml" in result.stderr and "q.one" in result.stderr
    assert "slider" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_without_credentials_says_what_to_set(tmp_path: Path) -> None:
    result = run("serve", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in result.stderr
    assert "deploy/slack-manifest.yml" in result.stderr
    assert "Traceback" not in result.stderr
    socket = run("serve", "--socket", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert socket.returncode == 2 and "SLACK_APP_TOKEN" in socket.stderr


def test_serve_in_oauth_mode_without_a_state_secret_exits_2_with_a_sentence(tmp_path: Path) -> None:
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x", "SLACK_SIGNING_SECRET": "s"}
    for secret, problem in ((None, "is not set"), ("short", "is too short")):
        env = oauth if secret is None else {**oauth, "SLACK_STATE_SECRET": secret}
        result = run("serve", cwd=tmp_path, env=env)
        assert result.returncode == 2
        assert result.stderr.startswith(f"partnercheck: SLACK_STATE_SECRET {problem}")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "short" not in result.stderr.replace("too short", "")  # the value is not echoed


def test_bad_settings_are_one_sentence(tmp_path: Path) -> None:
    result = run("migrate", cwd=tmp_path, env={"DATABASE_URL": "mysql://nope"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("partnercheck: DATABASE_URL must start")
    unreachable = run(
        "migrate", cwd=tmp_path, env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    )
    assert unreachable.returncode == 1
    assert "could not open the database" in unreachable.stderr.lower()
    assert "Traceback" not in unreachable.stderr


def test_serve_migrates_in_a_process_of_its_own_and_stops_on_its_sentence(tmp_path: Path) -> None:
    """serve has `partnercheck migrate` bring the schema up to date apart (the serving process
    never loads Alembic); a database it can't open stops serve with that one sentence."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1-test",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    result = run("serve", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "could not open the database" in result.stderr.lower()
    assert result.stderr.count("partnercheck:") == 1 and "Traceback" not in result.stderr


def test_migrate_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    result = run("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "partnercheck.db").exists()


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_export_writes_every_answer(tmp_path: Path, fmt: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pc.db'}"
    async with FakeSlack() as fake:
        h = await make_harness(url, fake)
        try:
            await start_check(h, client=["U0CLIENT1"])
            await press(h, answer_button(h, "5"), user="U0CLIENT1")
            await press(h, answer_button(h, "3"))
            await press(h, answer_button(h, "4"))
        finally:
            await h.stop()
    result = run(
        "export", "--channel", CHANNEL, "--format", fmt, cwd=tmp_path, env={"DATABASE_URL": url}
    )
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        [partnership] = json.loads(result.stdout)["partnerships"]
        [check] = partnership["checks"]
        answers = {(a["user_id"], a["value"], a["side"]) for a in check["answers"]}
        assert answers == {("U0CLIENT1", "5", "client"), ("U0LEAD", "4", "ours")}
        versions = {q.id: q.version for q in load_bank().questions.values()}
        assert all(
            a["question_version"] == versions[a["question_id"]] and a["question_text"]
            for a in check["answers"]
        )
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert {(r["user_id"], r["value"]) for r in rows} == {("U0CLIENT1", "5"), ("U0LEAD", "4")}
    missing = run("export", "--channel", "C0NOPE", cwd=tmp_path, env={"DATABASE_URL": url})
    assert missing.returncode == 1 and "No partnership is recorded" in missing.stderr


async def test_partnerships_lists_and_delete_asks_before_deleting(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pc.db'}"
    env = {"DATABASE_URL": url}
    assert run("migrate", cwd=tmp_path, env=env).returncode == 0
    empty = run("partnerships", cwd=tmp_path, env=env)
    assert empty.returncode == 0 and "No partnership is stored yet" in empty.stdout
    async with FakeSlack() as fake:
        h = await make_harness(url, fake)
        try:
            await start_check(h, client=["U0CLIENT1"])
            await press(h, answer_button(h, "5"), user="U0CLIENT1")
        finally:
            await h.stop()

    listed = run("partnerships", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    header, line = listed.stdout.splitlines()
    assert header.split() == [
        "CHANNEL",
        "TEAM",
        "NAME",
        "STARTED",
        "CHECKS",
        "LAST",
        "CHECK",
        "MEETINGS",
    ]
    assert line.split() == [
        CHANNEL,
        TEAM,
        "Acme",
        "×",
        "Northwind",
        "2026-11-24",
        "1",
        "2026-11-24",
        "0",
    ]

    asked = run("delete", "--channel", CHANNEL, cwd=tmp_path, env=env)
    assert asked.returncode == 0, asked.stderr
    assert "1 check, 1 answer" in asked.stdout and "Nothing was deleted" in asked.stdout
    assert f"--channel {CHANNEL} --yes" in asked.stdout
    assert run("export", "--channel", CHANNEL, cwd=tmp_path, env=env).returncode == 0  # kept

    deleted = run("delete", "--channel", CHANNEL, "--yes", cwd=tmp_path, env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.startswith("Deleted partnership") and "1 answer" in deleted.stdout
    assert "No partnership is stored yet" in run("partnerships", cwd=tmp_path, env=env).stdout

    again = run("delete", "--channel", CHANNEL, "--yes", cwd=tmp_path, env=env)
    assert again.returncode == 1 and "No partnership is recorded" in again.stderr
    assert "Traceback" not in again.stderr
    usage = run("delete", cwd=tmp_path, env=env)
    assert usage.returncode == 2 and "--channel" in usage.stderr


async def a_channel_shared_by_two_workspaces(url: str) -> None:
    """Both consultancies installed through OAuth and each started a check in the one Slack
    Connect channel they share with a client: two partnerships with the same channel id."""
    async with FakeSlack() as fake:
        h = await make_harness(
            url,
            fake,
            **two.OAUTH_MODE,
        )
        try:
            for team, lead in two.LEADS.items():
                fake.add_user(lead, team_id=team, is_admin=True)
            fake.add_user(two.CLIENT_PERSON, team_id=two.CLIENT)
            fake.add_channel(two.CONNECT, name="acme-connect", is_ext_shared=True)
            fake.set_channel_members(two.CONNECT, [two.LEAD_A, two.LEAD_B, two.CLIENT_PERSON])
            for team, lead in two.LEADS.items():
                await two.install(h, team, lead)
                await two.start_check(h, team)
        finally:
            await h.stop()


async def test_a_channel_shared_by_two_workspaces_is_picked_with_team(
    tmp_path: Path,
    fresh_database_url: str,  # noqa: F811 (the fixture)
) -> None:
    url, ours, theirs, connect = fresh_database_url, two.OURS, two.THEIRS, two.CONNECT
    env = {"DATABASE_URL": url}
    await a_channel_shared_by_two_workspaces(url)

    listed = run("partnerships", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [
        ["CHANNEL", "TEAM"],
        [connect, ours],
        [connect, theirs],
    ]

    # without --team the channel is ambiguous: one sentence naming both workspaces, nothing done
    for args in (
        ("export", "--channel", connect),
        ("export", "--channel", connect, "--format", "markdown"),
        ("delete", "--channel", connect),
        ("delete", "--channel", connect, "--yes"),
    ):
        refused = run(*args, cwd=tmp_path, env=env)
        assert refused.returncode == 1, (args, refused.stdout)
        assert refused.stdout == ""
        assert refused.stderr == (
            f"partnercheck: Channel {connect!r} holds a partnership in each of 2 workspaces "
            f"({ours}, {theirs}): add --team with the one you mean.\n"
        )

    # with --team, that workspace's partnership only
    for team in (ours, theirs):
        exported = run("export", "--channel", connect, "--team", team, cwd=tmp_path, env=env)
        assert exported.returncode == 0, exported.stderr
        [partnership] = json.loads(exported.stdout)["partnerships"]
        assert partnership["partnership"]["team_id"] == team
        assert partnership["partnership"]["name"] == two.NAMES[team]
        assert [c["lead"] for c in partnership["checks"]] == [two.LEADS[team]]
    report = run(
        "export",
        "--channel",
        connect,
        "--team",
        theirs,
        "--format",
        "markdown",
        cwd=tmp_path,
        env=env,
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith(f"# Partnership report: {two.NAMES[theirs]}")
    assert f"- Our Slack workspace: {theirs}" in report.stdout
    every_of_ours = run("export", "--team", ours, "--format", "csv", cwd=tmp_path, env=env)
    assert every_of_ours.returncode == 0, every_of_ours.stderr
    assert every_of_ours.stdout.splitlines()[0].startswith("partnership,channel_id,team_id,")

    # an unknown workspace, or a known one without a partnership in that channel
    for args in (
        ("export", "--channel", connect, "--team", "T0NOPE"),
        ("export", "--team", "T0NOPE"),
        ("delete", "--channel", connect, "--team", "T0NOPE", "--yes"),
    ):
        unknown = run(*args, cwd=tmp_path, env=env)
        assert unknown.returncode == 1, args
        assert unknown.stderr.startswith("partnercheck: No workspace 'T0NOPE' is known here")
        assert unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    elsewhere = run("delete", "--channel", "C0ELSE", "--team", ours, cwd=tmp_path, env=env)
    assert elsewhere.returncode == 1
    assert f"for channel 'C0ELSE' in workspace {ours!r}" in elsewhere.stderr

    # delete theirs: ours stays whole
    asked = run("delete", "--channel", connect, "--team", theirs, cwd=tmp_path, env=env)
    assert asked.returncode == 0, asked.stderr
    assert f"(channel {connect} of workspace {theirs}) holds 1 check" in asked.stdout
    assert f"`partnercheck delete --channel {connect} --team {theirs} --yes`" in asked.stdout
    deleted = run("delete", "--channel", connect, "--team", theirs, "--yes", cwd=tmp_path, env=env)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.startswith(f"Deleted partnership {two.NAMES[theirs]!r}")
    listed = run("partnerships", cwd=tmp_path, env=env)
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [[connect, ours]]

    # the channel now names one partnership: --team is not needed
    exported = run("export", "--channel", connect, cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    [partnership] = json.loads(exported.stdout)["partnerships"]
    assert partnership["partnership"]["team_id"] == ours and len(partnership["checks"]) == 1
    # their workspace is still installed (its data is gone): known, with nothing to export
    nothing = run("export", "--team", theirs, cwd=tmp_path, env=env)
    assert nothing.returncode == 0 and json.loads(nothing.stdout)["partnerships"] == []
