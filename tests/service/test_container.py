"""The Docker files, checked without a Docker engine: what the build context leaves out, the
image's pins, the compose file's stop, restarts, health and replicas, and the very wheel the
Dockerfile builds, installed apart from this checkout and started with the compose file's
environment."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.serving.server import SHUTDOWN_GRACE_SECONDS
from tests.service.conftest import ROOT, app_env
from tests.service.test_slack_link import Served, free_port
from tests.support.fake_slack import FakeSlack

DEPLOY = ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as compose reads an env_file (blank values stay, as empty strings)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(
        line.split("=", 1) for line in lines if line and not line.startswith("#") and "=" in line
    )


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match, duration
    return int(match[1]) * (60 if match[2] == "m" else 1)


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in ("**/.venv", "**/*.db", "**/.env", ".git", "tests"):
        assert pattern in ignored


def test_the_image_is_pinned_and_runs_as_a_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for base in re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE):
        assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+|\S+@sha256:[0-9a-f]{64}", base)
    assert re.search(r"^USER \d+$", dockerfile, flags=re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"partnership-check=={version}" in dockerfile


def test_compose_runs_two_copies_that_stop_in_time_and_come_back() -> None:
    services = compose()["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["restart"] == "unless-stopped"
    assert seconds(app["stop_grace_period"]) >= SHUTDOWN_GRACE_SECONDS + 5
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    assert "ports" not in app  # Caddy is the one way in
    assert services["db"]["image"].startswith("postgres:16.")
    assert ":" in services["caddy"]["image"] and "latest" not in services["caddy"]["image"]
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "dynamic a app 3000" in caddyfile and "health_uri /healthz" in caddyfile


@pytest.mark.postgres
async def test_the_dockerfiles_wheel_serves_with_the_compose_environment(
    tmp_path: Path, fresh_database_url: str
) -> None:
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("compose runs the app on PostgreSQL")
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("partnership_check-*.whl")
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr

    app = compose()["services"]["app"]
    assert app["env_file"] == ".env"  # made from deploy/.env.example: its values come first
    environment = {**env_file(DEPLOY / ".env.example"), **app["environment"]}
    assert environment["DATABASE_URL"].startswith("postgresql://")
    environment["DATABASE_URL"] = fresh_database_url  # the compose `db` service, here
    port = free_port()
    environment["PORT"] = str(port)
    data = tmp_path / "data"  # the image's WORKDIR: nothing of the checkout in reach
    data.mkdir()
    async with FakeSlack() as fake:
        env = {
            **app_env(**environment),
            "PYTHONPATH": str(site),
            "SLACK_BOT_TOKEN": "xoxb-compose",
            "SLACK_SIGNING_SECRET": "secret",
            "SLACK_API_BASE_URL": fake.base_url,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import bot, sys; from bot.cli import main; print(bot.__file__, file=sys.stderr); "
            "sys.exit(main(['serve']))",
            cwd=data,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        served = Served(process)
        try:
            await served.wait_for_line("Listening on port")
            assert served.lines[0].startswith(str(site))  # the installed wheel, not this checkout
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as health,
            ):
                assert health.status == 200
                assert (await health.json())["slack"] == "ok"
            await served.stop_with(signal.SIGTERM)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert "Stopped cleanly" in "".join(served.lines)
