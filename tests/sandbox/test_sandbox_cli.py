"""`make run` without Slack credentials: the sandbox starts, says one line, and can be reset."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.sandbox.conftest import partnercheck, start, stop


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
        assert json.loads(health) == {"ok": True, "database": "ok"}
        status, state = _get(sandbox.address + "sandbox/state?as=U0ADA")
        people = json.loads(state)["people"]
        assert [p["ours"] for p in people] == [True, True, True, False, False]
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
    assert no_check_yet.returncode == 1 and "Traceback" not in no_check_yet.stderr
    (tmp_path / "partnercheck-sandbox.db").write_bytes(b"not a database")
    again = start(tmp_path, "sandbox", "--reset")  # starts afresh on a new database
    try:
        assert _get(again.address + "healthz")[0] == 200
    finally:
        stop(again)
