"""Idle memory: `partnercheck serve` (a real process, SQLite, a fake Slack) after start-up and
a few quiet seconds, read from /proc/<pid>/status (VmRSS). Goal (issue 15): at most 90 MB
(the charting libraries load on first use, not at start-up).

Environment (optional): BENCH_IDLE_SECONDS (5).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.bench_copies import free_port, serve_env, started
from tests.support.fake_slack import FakeSlack

IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "5"))
GOAL_MB = 90


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeSlack(clock=time.time) as fake:
            database = f"sqlite:///{Path(folder) / 'bench.db'}"
            env = serve_env(fake, database, PORT=str(free_port()))
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                if not await started(process):
                    return
                await asyncio.sleep(IDLE_SECONDS)
                idle = rss_mb(process.pid)
                verdict = "met" if idle <= GOAL_MB else "NOT met"
                print(
                    f"partnercheck serve, idle {IDLE_SECONDS:g} s after start-up: "
                    f"{idle:.1f} MB RSS (goal ≤ {GOAL_MB} MB: {verdict})",
                    flush=True,
                )
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    await process.wait()
