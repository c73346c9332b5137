"""Copies of the app starting together on one fresh database all come up."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.db.engine import Database
from bot.services import Services
from bot.serving.bolt_app import build_client, prepare_services
from tests.conftest import POSTGRES_URL
from tests.service.conftest import app_env, partnercheck
from tests.support.fake_slack import FakeSlack
from tests.support.harness import settings_for

COPIES = 4


def test_copies_migrating_at_once_all_succeed(
    fresh_database_url: str, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    env = app_env(DATABASE_URL=fresh_database_url)
    for _ in range(COPIES):
        processes.append(
            subprocess.Popen(
                partnercheck("migrate"),
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [process.communicate(timeout=120) for process in processes]
    failures = [
        (process.returncode, err)
        for process, (_out, err) in zip(processes, results, strict=True)
        if process.returncode != 0
    ]
    assert failures == []
    assert all("Database schema is up to date." in out for out, _err in results)
    assert not any("Traceback" in err for _out, err in results)


def test_read_only_commands_never_create_a_database(tmp_path: Path) -> None:
    database = tmp_path / "nowhere.db"
    env = app_env(DATABASE_URL=f"sqlite:///{database}")
    for command in (
        ("partnerships",),
        ("export", "--channel", "C0123"),
        ("delete", "--channel", "C0123"),
    ):
        result = subprocess.run(
            partnercheck(*command), cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode == 1, command
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"partnercheck: There is no database file at {database}")
        assert not database.exists()
        assert list(tmp_path.iterdir()) == []


def test_read_only_commands_refuse_an_empty_postgresql_database(fresh_database_url: str) -> None:
    env = app_env(DATABASE_URL=fresh_database_url)
    result = subprocess.run(partnercheck("partnerships"), env=env, capture_output=True, text=True)
    assert result.returncode == 1
    if fresh_database_url.startswith("postgresql"):
        assert "holds no Partnership Check data" in result.stderr
        migrate = subprocess.run(partnercheck("migrate"), env=env, capture_output=True, text=True)
        assert migrate.returncode == 0, migrate.stderr
        listed = subprocess.run(
            partnercheck("partnerships"), env=env, capture_output=True, text=True
        )
        assert listed.returncode == 0 and "No partnership is stored yet" in listed.stdout


@pytest.mark.postgres
def test_read_only_commands_name_a_postgresql_database_that_does_not_exist() -> None:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"pc_missing_{uuid.uuid4().hex[:8]}"
    server = make_url(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"))
    url = server.set(database=name).render_as_string(hide_password=False)
    for command in (("partnerships",), ("export", "--channel", "C0123")):
        result = subprocess.run(
            partnercheck(*command), env=app_env(DATABASE_URL=url), capture_output=True, text=True
        )
        assert result.returncode == 1, command
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("partnercheck: Could not open the database")
        assert f'database "{name}" does not exist' in line
    assert not asyncio.run(database_exists(server.render_as_string(hide_password=False), name))


async def database_exists(server: str, name: str) -> bool:
    admin = await asyncpg.connect(server)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


async def test_copies_preparing_to_serve_at_once_all_succeed(
    fresh_database_url: str, fake_slack: FakeSlack
) -> None:
    """What `serve` does before it listens (migrate, then sync the question bank), by 4
    copies at once, each with its own engine."""
    settings = settings_for(fresh_database_url, fake_slack)
    outcomes = await asyncio.gather(
        *(
            prepare_services(
                settings, client=build_client(settings), db=Database(settings.database_url)
            )
            for _ in range(COPIES)
        ),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, Services):
            await outcome.db.dispose()
    assert [type(o).__name__ for o in outcomes] == ["Services"] * COPIES
