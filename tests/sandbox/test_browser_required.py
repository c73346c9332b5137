"""The browser test says why when it cannot run: skipped on a machine without chromium,
failed where a browser is required (CI sets PARTNERCHECK_REQUIRE_BROWSER)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _browser_test_without_chromium(
    tmp_path: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PARTNERCHECK_REQUIRE_BROWSER"}
    env.update(PARTNERCHECK_CHROMIUM=str(tmp_path / "no-chromium-here"), **extra)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/sandbox/test_sandbox_page.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_chromium_the_browser_test_is_skipped_saying_why(tmp_path: Path) -> None:
    run = _browser_test_without_chromium(tmp_path)
    assert run.returncode in (0, 5), run.stdout  # 5: pytest ran no test, the module was skipped
    assert "1 skipped" in run.stdout
    assert "no browser at" in run.stdout and "apt-get install -y chromium" in run.stdout


def test_where_a_browser_is_required_its_absence_fails_the_run(tmp_path: Path) -> None:
    run = _browser_test_without_chromium(tmp_path, PARTNERCHECK_REQUIRE_BROWSER="1")
    assert run.returncode != 0
    assert "no browser at" in run.stdout and "PARTNERCHECK_REQUIRE_BROWSER" in run.stdout
    assert "skipped" not in run.stdout
