"""From `make run` to a usable sandbox page, on a fresh clone without Slack credentials.

The repository is cloned (`git clone -q`, of BENCH_CLONE_FROM, default this checkout) into a
new folder, and `make run` is started there with no SLACK_* or DATABASE_* variables, on a free
PORT. Measured from the start of `make run`: the set-up (`.venv/.installed` appears: venv and
`pip install -e ".[test]"`, from pip's cache when it has the packages), the app's start after it
(the one line, the page's address, printed), the page answering (GET / and /sandbox/state), and,
with Debian's chromium, the page opened in it with the shared channel drawn. Then `make run` is
stopped and started again in the same folder, set up already: the later start. The clone is
deleted afterwards.

Environment (optional): BENCH_CLONE_FROM (a git repository; default this checkout),
PARTNERCHECK_CHROMIUM (/usr/bin/chromium).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.benchmarks.bench_copies import ROOT, free_port
from tests.support.shell import outside_make

CHROMIUM = Path(os.environ.get("PARTNERCHECK_CHROMIUM", "/usr/bin/chromium"))
GUARD_SECONDS = 900  # a guard against a hung set-up, not a measure


def environment(port: int) -> dict[str, str]:
    env = {k: v for k, v in outside_make().items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.pop("VIRTUAL_ENV", None)
    return {**env, "PORT": str(port)}


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


async def channel_drawn(address: str) -> bool:
    """The page, opened in chromium, shows the shared channel (its title and its messages)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = await browser.new_page()
        await page.goto(address)
        await page.wait_for_function(
            """() => document.querySelector('#pane-title')?.textContent.includes('fernhill')
                && document.querySelector('#messages')?.children.length > 0""",
            timeout=GUARD_SECONDS * 1000,
        )
        await browser.close()
    return True


async def one_start(folder: Path, label: str) -> None:
    port = free_port()
    stamp = folder / ".venv" / ".installed"
    installed_before = stamp.exists()
    errors = folder.parent / f"{label}.stderr"
    began, began_wall = time.monotonic(), time.time()
    with errors.open("w") as stderr:
        process = await asyncio.create_subprocess_exec(
            "make",
            "run",
            cwd=folder,
            env=environment(port),
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # make, and the app it starts, stop together
        )
    assert process.stdout is not None
    try:
        lines: list[str] = []
        address = ""
        while not address.startswith("http"):
            line = await asyncio.wait_for(process.stdout.readline(), GUARD_SECONDS)
            if not line:
                await process.wait()
                said = errors.read_text()[-2000:]
                print(f"{label}: `make run` stopped before its address; stderr: {said}")
                return
            lines.append(line.decode().rstrip("\n"))
            address = lines[-1].strip()
        printed = time.monotonic() - began
        installed = "already set up" if installed_before else "?"
        if not installed_before and stamp.exists():
            installed = f"{stamp.stat().st_mtime - began_wall:.1f} s"
        while not (answers(address) and answers(address + "sandbox/state?as=U0ADA")):
            await asyncio.sleep(0.05)
        answering = time.monotonic() - began
        drawn = "no chromium"
        if CHROMIUM.exists():
            await channel_drawn(address)
            drawn = f"{time.monotonic() - began:.1f} s"
        print(
            f"{label}: set-up done at {installed}; address printed at {printed:.1f} s "
            f"(stdout lines: {len(lines)}: {lines!r}; stderr lines: "
            f"{len(errors.read_text().splitlines())}); page answering at {answering:.1f} s; "
            f"channel drawn in chromium at {drawn}"
        )
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)


async def main() -> None:
    source = os.environ.get("BENCH_CLONE_FROM", str(ROOT))
    load = os.getloadavg()
    print(f"clone of {source}; load average {load[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="partnercheck-fresh-") as parent:
        folder = Path(parent) / "clone"
        subprocess.run(["git", "clone", "-q", source, str(folder)], check=True)
        await one_start(folder, "fresh clone")
        await one_start(folder, "later start")
