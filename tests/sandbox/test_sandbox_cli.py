"""`make run` without Slack credentials: the sandbox starts, says one line, and can be reset."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.sandbox.conftest import ROOT, environment, free_port, partnercheck, start, stop
from tests.support import signing
from tests.support.fake_slack import FakeSlack
from tests.support.shell import outside_make


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_run_without_credentials_opens_the_sandbox_with_one_line(tmp_path: Path) -> None:
    sandbox = start(tmp_path, "run")
    try:
        status, page = _get(sandbox.address)
        assert status == 200 and "<title>Partnership Check · sandbox</title>" in page
        status, script = _get(sandbox.address + "sandbox/static/blockkit.js")
        assert status == 200 and "readState" in script
        status, health = _get(sandbox.address + "healthz")
        assert json.loads(health)["ok"] is True and json.loads(health)["database"] == "ok"
        status, state = _get(sandbox.address + "sandbox/state?as=U0ADA")
        people = json.loads(state)["people"]
        assert [p["ours"] for p in people] == [True, True, True, False, False]
        assert _post(sandbox.address + "sandbox/home", {"as": "U0ADA", "tab": "messages"}) == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post(sandbox.address + "sandbox/home", {"as": "U0ADA", "tab": "settings"})
        assert refused.value.code == 400 and "tab must be" in refused.value.read().decode()
    finally:
        after, _errors = stop(sandbox)
    assert after == ""  # the address was the only line printed
    assert (tmp_path / "partnercheck-sandbox.db").exists()
    assert not (tmp_path / "partnercheck.db").exists()  # never the real database


def test_export_says_when_nothing_was_stored_and_reset_forgets(tmp_path: Path) -> None:
    nothing = partnercheck("export", "--sandbox", cwd=tmp_path)
    assert nothing.returncode == 1
    assert "partnercheck sandbox" in nothing.stderr and "Traceback" not in nothing.stderr

    stop(start(tmp_path, "sandbox"))
    no_check_yet = partnercheck("export", "--sandbox", cwd=tmp_path)
    assert no_check_yet.returncode == 0 and "Traceback" not in no_check_yet.stderr
    assert json.loads(no_check_yet.stdout)["partnerships"] == []  # nothing started yet
    (tmp_path / "partnercheck-sandbox.db").write_bytes(b"not a database")
    again = start(tmp_path, "sandbox", "--reset")  # starts afresh on a new database
    try:
        assert _get(again.address + "healthz")[0] == 200
    finally:
        stop(again)


def _post(url: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def _state(address: str) -> dict[str, Any]:
    return json.loads(_get(address + "sandbox/state?as=U0ADA")[1])


def test_a_restarted_sandbox_carries_on_until_reset(tmp_path: Path) -> None:
    first = start(tmp_path, "sandbox")
    try:
        assert (
            _post(first.address + "sandbox/command", {"as": "U0ADA", "text": "/partnership help"})
            == 200
        )
        assert _post(first.address + "sandbox/clock", {"as": "U0ADA", "step": "hour"}) == 200
        before = _state(first.address)
    finally:
        stop(first)
    (help_text,) = [e["text"] for e in before["ephemerals"]]
    assert "/partnership check" in help_text

    second = start(tmp_path, "sandbox")
    try:
        after = _state(second.address)
    finally:
        stop(second)
    assert [e["text"] for e in after["ephemerals"]] == [help_text]
    assert after["clock"]["utc"] >= before["clock"]["utc"]  # the hour moved stays moved

    third = start(tmp_path, "sandbox", "--reset")
    try:
        fresh = _state(third.address)
    finally:
        stop(third)
    assert fresh["ephemerals"] == []
    assert fresh["clock"]["utc"] < before["clock"]["utc"]


def test_run_with_slack_credentials_serves_slack_not_the_sandbox(tmp_path: Path) -> None:
    half = partnercheck("run", cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert half.returncode == 2
    assert "SLACK_SIGNING_SECRET" in half.stderr and "Traceback" not in half.stderr
    assert not (tmp_path / "partnercheck-sandbox.db").exists()


def _make_run_on_a_fresh_folder(folder: Path, *, pip_exits: int) -> subprocess.CompletedProcess:
    """The real Makefile on a folder with no .venv. Python is a stand-in that makes a venv whose
    pip only complains (on stderr, then exits with `pip_exits`) and whose `partnercheck` prints
    what the sandbox prints, so the test needs neither the network nor a minute."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    python = folder / "python-stand-in"
    python.write_text(
        "#!/bin/sh\n"
        '[ "$1 $2" = "-m venv" ] || exit 3\n'
        'mkdir -p "$3/bin"\n'
        f'printf "#!/bin/sh\\necho pip grumbles >&2\\nexit {pip_exits}\\n" > "$3/bin/pip"\n'
        'printf "#!/bin/sh\\necho http://127.0.0.1:3000/\\n" > "$3/bin/partnercheck"\n'
        'chmod +x "$3/bin/pip" "$3/bin/partnercheck"\n'
    )
    python.chmod(0o755)
    return subprocess.run(
        ["make", "run", f"PYTHON={python}"],
        cwd=folder,
        env=outside_make(),  # `make test` runs this test
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_run_on_a_fresh_clone_prints_only_the_address(tmp_path: Path) -> None:
    made = _make_run_on_a_fresh_folder(tmp_path, pip_exits=0)
    assert made.returncode == 0, made.stderr
    assert made.stdout == "http://127.0.0.1:3000/\n"
    assert made.stderr == ""  # pip's warnings stay in the install log
    assert (tmp_path / ".venv" / ".installed").exists()  # the set-up did run
    assert "pip grumbles" in (tmp_path / ".venv" / "install.log").read_text()


def test_a_failed_set_up_says_what_pip_said_and_stops(tmp_path: Path) -> None:
    made = _make_run_on_a_fresh_folder(tmp_path, pip_exits=1)
    assert made.returncode != 0
    assert "pip grumbles" in made.stderr and "Setting up .venv failed" in made.stderr
    assert "http://" not in made.stdout  # the app was not started
    assert not (tmp_path / ".venv" / ".installed").exists()  # the next `make run` tries again


async def test_run_with_both_slack_credentials_serves_slack(tmp_path: Path) -> None:
    """With a token and a signing secret, `partnercheck run` is `serve`: it answers Slack's
    signed requests at /slack/events, and there is no sandbox page and no sandbox file."""
    async with FakeSlack(clock=time.time) as slack:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-real-looking",
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "SLACK_API_BASE_URL": slack.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'partnercheck.db'}",
        }
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--port",
            str(port),
            cwd=tmp_path,
            env={**environment(), **env},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        root = f"http://127.0.0.1:{port}/"
        try:
            async with aiohttp.ClientSession() as http:
                while True:
                    assert process.returncode is None, "partnercheck run stopped"
                    try:
                        async with http.get(root + "healthz") as health:
                            if health.status == 200:
                                break
                    except aiohttp.ClientConnectionError:
                        pass  # not listening yet
                    await asyncio.sleep(0.1)
                async with http.get(root) as page:
                    assert page.status == 404  # no sandbox page
                body = signing.slash_command("help")
                async with http.post(
                    root + "slack/events", data=body.encode(), headers=signing.signed_headers(body)
                ) as answer:
                    assert answer.status == 200
                    assert "/partnership check" in await answer.text()
                unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
                async with http.post(root + "slack/events", data=body, headers=unsigned) as bad:
                    assert bad.status == 401  # Slack's requests only
        finally:
            process.terminate()
            await process.wait()
    assert [call.method for call in slack.calls][:1] == ["auth.test"]  # the token was checked
    assert not (tmp_path / "partnercheck-sandbox.db").exists()
