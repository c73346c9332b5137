"""`partnercheck sandbox` as a person starts it: its own process, in a fresh directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Sandbox:
    address: str
    folder: Path
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    """The machine's environment without any Slack credentials or database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return {**env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}


def partnercheck(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def start(folder: Path, *args: str) -> Sandbox:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args, "--port", str(free_port())],
        cwd=folder,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address.startswith("http://127.0.0.1:"):
        process.terminate()
        _out, errors = process.communicate(timeout=30)
        pytest.fail(f"the sandbox printed {address!r}; its errors: {errors[-2000:]}")
    return Sandbox(address, folder, process)


def stop(sandbox: Sandbox) -> tuple[str, str]:
    """Stops it (SIGTERM); what it printed after its first line, and on stderr."""
    sandbox.process.terminate()
    return sandbox.process.communicate(timeout=60)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = start(tmp_path, "sandbox")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            stop(running)
