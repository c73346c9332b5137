"""`partnercheck`: the command line. Parses arguments, calls one function, prints a sentence."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.db.engine import MigrationFailed, migrated
from bot.domain.wording import count_phrase
from bot.plumbing.config import ConfigError, Settings, log_settings
from bot.plumbing.errors import UserError
from bot.plumbing.logs import configure_logging

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
TEAM_HELP = (
    "only this workspace's partnerships, by team ID, e.g. T0123456789 (needed when the channel "
    "is shared by several installed workspaces)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnercheck",
        description="Partnership Check: guided partnership checks in Slack.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    serve = commands.add_parser("serve", help="run the app (HTTP on PORT, or Socket Mode)")
    serve.add_argument("--socket", action="store_true", help="use Socket Mode (SLACK_APP_TOKEN)")
    serve.add_argument("--port", type=int, help="override PORT")

    run = commands.add_parser(
        "run", help="serve Slack when its credentials are set, otherwise open the sandbox"
    )
    run.add_argument("--port", type=int, help="override PORT")

    sandbox = commands.add_parser(
        "sandbox", help="the app with a local stand-in for Slack, in the browser (no Slack needed)"
    )
    sandbox.add_argument("--port", type=int, help="override PORT")
    sandbox.add_argument(
        "--reset", action="store_true", help="forget everything the sandbox stored, then start"
    )

    commands.add_parser("migrate", help="bring the database schema up to date")

    bank = commands.add_parser("questions", help="look at or check the question bank")
    bank_commands = bank.add_subparsers(dest="questions_command", metavar="ACTION")
    bank_commands.required = True
    listing = bank_commands.add_parser("list", help="list the questions, by template")
    listing.add_argument("--template", help="only this template (e.g. partnership_check)")
    validate = bank_commands.add_parser(
        "validate", help="check the bank serve will load (built-in + PARTNERCHECK_QUESTIONS_DIR)"
    )
    validate.add_argument(
        "path",
        nargs="?",
        help="a folder of your own questions (default: PARTNERCHECK_QUESTIONS_DIR)",
    )

    export = commands.add_parser(
        "export", help="write partnerships' checks and answers, with names (JSON, CSV, Markdown)"
    )
    export.add_argument("--channel", help="one partnership, by channel ID (default: every one)")
    export.add_argument("--team", help=TEAM_HELP)
    export.add_argument("--format", choices=("json", "csv", "markdown"), default="json")
    export.add_argument("--since", type=_day, help="checks started on or after YYYY-MM-DD")
    export.add_argument("--until", type=_day, help="checks started on or before YYYY-MM-DD")
    export.add_argument(
        "--sandbox", action="store_true", help="export what `partnercheck sandbox` stored"
    )

    commands.add_parser(
        "partnerships", help="list every partnership: channel, workspace, name, checks, meetings"
    )
    delete = commands.add_parser(
        "delete", help="delete a partnership and everything it holds (asks for --yes)"
    )
    delete.add_argument("--channel", required=True, help="the channel ID, e.g. C0123456789")
    delete.add_argument("--team", help=TEAM_HELP)
    delete.add_argument(
        "--yes", action="store_true", help="really delete (without it, only says what would go)"
    )
    return parser


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a day like 2026-11-30") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        configure_logging(*log_settings())
        return _run(args)
    except (ConfigError, UserError) as problem:
        print(f"partnercheck: {problem}", file=sys.stderr)
        return EXIT_USAGE if isinstance(problem, ConfigError) else EXIT_FAILED
    except MigrationFailed as failed:  # `partnercheck migrate` has said why
        return failed.code
    except BrokenPipeError:  # e.g. `partnercheck questions list | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except SQLAlchemyError as problem:
        # the connection was made (that failing is a DatabaseUnavailable): the database answered
        reason = str(getattr(problem, "orig", None) or problem).splitlines()[0][:200]
        print(
            f"partnercheck: the database at {_shown_url()} refused the work ({reason}).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except OSError as problem:
        print(f"partnercheck: {problem.strerror or problem}.", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED


def _run(args: argparse.Namespace) -> int:
    if args.command == "questions":
        return _questions(args)
    settings = Settings.from_env()
    if args.command == "run" and not settings.slack_bot_token and not settings.slack_signing_secret:
        args.command, args.reset = "sandbox", False
    if args.command == "sandbox":
        return _sandbox(args, settings)
    if args.command in ("serve", "run"):
        from bot.serving.server import serve

        socket_mode = getattr(args, "socket", False)
        settings.require_slack(socket_mode=socket_mode)
        asyncio.run(serve(settings, socket_mode=socket_mode, port=args.port))
        return EXIT_OK
    if args.command == "migrate":
        asyncio.run(_migrate(settings.database_url))
        print("Database schema is up to date.")
        return EXIT_OK
    if args.command == "export":
        from bot.usecases.export import ExportRequest, export_command

        if args.sandbox:
            from bot.sandbox.run import SANDBOX_DB, sandbox_database_url

            if not SANDBOX_DB.exists():
                raise UserError(
                    f"There is no sandbox here ({SANDBOX_DB} is missing); "
                    "`partnercheck sandbox` makes one."
                )
            settings = replace(settings, database_url=sandbox_database_url())
        request = ExportRequest(
            channel_id=args.channel,
            team_id=args.team,
            since=args.since,
            until=args.until,
            fmt=args.format,
        )
        sys.stdout.write(asyncio.run(export_command(settings, request)))
        return EXIT_OK
    if args.command == "partnerships":
        from bot.usecases.partnership_data import list_partnerships

        sys.stdout.write(asyncio.run(list_partnerships(settings)))
        return EXIT_OK
    if args.command == "delete":
        from bot.usecases.partnership_data import delete_channel

        deleted = delete_channel(settings, args.channel, team_id=args.team, confirmed=args.yes)
        sys.stdout.write(asyncio.run(deleted))
        return EXIT_OK
    raise AssertionError(args.command)


def _sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.run import reset, run_sandbox

    if args.reset:
        reset()
    # the one line the sandbox prints is its address; the app's own logs only when they matter
    logging.getLogger().setLevel(logging.WARNING)
    asyncio.run(run_sandbox(args.port or settings.port))
    return EXIT_OK


def _questions(args: argparse.Namespace) -> int:
    from questions.bank import BankError, format_question_list, load_bank, validate_bank

    # exactly what `serve` loads: the built-in bank and PARTNERCHECK_QUESTIONS_DIR (or PATH)
    custom = Path(args.path) if getattr(args, "path", None) else _questions_dir()
    if args.questions_command == "validate":
        problems = validate_bank(custom=custom)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{count_phrase(len(problems), 'problem')} found.", file=sys.stderr)
            return EXIT_FAILED
        print("The question bank is valid.")
        return EXIT_OK
    try:
        bank = load_bank(custom=custom)
    except BankError as error:
        print(f"partnercheck: the question bank has problems:\n{error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        print(format_question_list(bank, args.template))
    except KeyError as unknown:
        print(f"partnercheck: {unknown.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _questions_dir() -> Path | None:
    """PARTNERCHECK_QUESTIONS_DIR as `serve` reads it (ConfigError when it is not a folder)."""
    from bot.plumbing.config import environment, questions_dir

    return questions_dir(environment())


def _shown_url() -> str:
    """DATABASE_URL as configured, with any password hidden."""
    try:
        url = Settings.from_env().database_url
        return make_url(url).render_as_string(hide_password=True)
    except (ConfigError, ArgumentError):
        return "DATABASE_URL"


async def _migrate(url: str) -> None:
    async with migrated(url):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
