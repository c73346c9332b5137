"""Reports people can hand over: every partnership or one, over a date range, with names and
organisations; as JSON, CSV (one row per answer) or a Markdown report of one partnership.

`partnercheck export` prints them; the Home tab's *Export* sends them by direct message
(`send_export`). Names come from `bot.usecases.people` (users.info once, then storage).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.blocks.summary import TREND_ARROWS
from bot.db import checks as store
from bot.db import meetings as meeting_store
from bot.db import partnership_data as partnership_store
from bot.db.engine import Database, existing
from bot.db.models import Partnership
from bot.domain.answers import CLIENT_SIDE, OUR_SIDE, option_label
from bot.domain.summary import CLIENT_DEFAULT_NAME, OUR_DEFAULT_NAME, WARNING_SIGNALS
from bot.domain.wording import count_phrase, one_decimal
from bot.plumbing.clock import Clock, SystemClock
from bot.plumbing.config import Settings
from bot.plumbing.errors import UserError
from bot.services import Services
from bot.slack.client import build_client
from bot.slack.gateway import SlackCallFailed, SlackGateway
from bot.usecases.partnerships import partnerships_named, unknown_channel
from bot.usecases.people import Named, names_for

log = logging.getLogger(__name__)

FORMATS = ("json", "csv", "markdown")
CSV_COLUMNS = (
    "partnership",
    "channel_id",
    "team_id",
    "check_id",
    "template",
    "check_status",
    "check_started_at",
    "question_id",
    "question_version",
    "question_text",
    "dimension",
    "user_id",
    "name",
    "side",
    "organisation",
    "workspace",
    "value",
    "label",
    "comment",
    "answered_at",
    "changed_at",
)


@dataclass(frozen=True)
class ExportRequest:
    channel_id: str | None = None  # one partnership, or every one
    team_id: str | None = None  # only this workspace's partnerships (the one in channel_id)
    since: date | None = None  # checks started on or after this day (UTC)
    until: date | None = None  # checks started on or before this day (UTC)
    fmt: str = "json"

    def covers(self, moment: datetime) -> bool:
        day = moment.date()
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def check(self) -> None:
        if self.fmt not in FORMATS:
            raise UserError(f"Choose a format of {', '.join(FORMATS)}, not {self.fmt!r}.")
        if self.since and self.until and self.since > self.until:
            raise UserError("--since must be a day before --until.")
        if self.fmt == "markdown" and self.channel_id is None:
            raise UserError(
                "The Markdown report is of one partnership: add --channel with its channel ID."
            )


# ---------------------------------------------------------------- entry points


async def export_command(settings: Settings, request: ExportRequest) -> str:
    """`partnercheck export`: names are asked of Slack when a bot token is configured."""
    request.check()
    gateway = None
    if settings.slack_bot_token:
        gateway = SlackGateway(build_client(settings))
    async with existing(settings.database_url) as db:
        data = await export_data(db, request, gateway=gateway, clock=SystemClock())
    return render(data, request.fmt)


async def export_for_partnership(
    services: Services, *, channel_id: str, fmt: str = "markdown"
) -> tuple[str, str]:
    """(file name, content) of one partnership's export, e.g. for a button."""
    request = ExportRequest(channel_id=channel_id, fmt=fmt)
    request.check()
    data = await export_data(services.db, request, gateway=services.gateway, clock=services.clock)
    return _filename(request, services.clock.now()), render(data, fmt)


async def export_for_workspace(
    services: Services, *, team_id: str, fmt: str = "csv"
) -> tuple[str, str]:
    """(file name, content) of every partnership of the workspace."""
    request = ExportRequest(team_id=team_id, fmt=fmt)
    request.check()
    data = await export_data(services.db, request, gateway=services.gateway, clock=services.clock)
    return _filename(request, services.clock.now()), render(data, fmt)


async def send_export(services: Services, *, user_id: str, team_id: str, fmt: str) -> None:
    """Every partnership of the workspace, as a file in the person's direct messages. The
    caller checks that they may (a workspace admin or a practice lead)."""
    filename, content = await export_for_workspace(services, team_id=team_id, fmt=fmt)
    try:
        await services.gateway.upload_to_person(
            user_id,
            content=content.encode(),
            filename=filename,
            title="Every partnership of this workspace",
        )
    except SlackCallFailed as failure:
        log.warning("Export not sent: Slack answered %s", failure.error)


# ---------------------------------------------------------------- gathering


async def export_partnership(
    db: Database, channel_id: str, *, request: ExportRequest | None = None
) -> dict[str, Any]:
    """One partnership, its checks (in the date range) and every answer, ids only."""
    request = request or ExportRequest(channel_id=channel_id)
    async with db.reading() as session:
        partnership = await store.partnership_for_channel(session=session, channel_id=channel_id)
        if partnership is None:
            raise unknown_channel(channel_id)
        return await _partnership_json(session, partnership, request)


async def export_data(
    db: Database, request: ExportRequest, *, gateway: SlackGateway | None, clock: Clock
) -> dict[str, Any]:
    """The partnerships asked for, with everyone's name and organisation."""
    async with db.reading() as session:
        partnerships = await partnerships_named(
            session, channel_id=request.channel_id, team_id=request.team_id
        )
        exported = [await _partnership_json(session, p, request) for p in partnerships]
    names = await names_for(db, gateway, _people_in(exported), now=clock.now())
    for partnership in exported:
        _add_names(partnership, names)
    return {
        "exported_at": clock.now().isoformat(),
        "since": request.since.isoformat() if request.since else None,
        "until": request.until.isoformat() if request.until else None,
        "partnerships": exported,
    }


async def _partnership_json(
    session: Any, partnership: Partnership, request: ExportRequest
) -> dict[str, Any]:
    organisation = {
        OUR_SIDE: partnership.our_org_name or OUR_DEFAULT_NAME,
        CLIENT_SIDE: partnership.client_org_name or CLIENT_DEFAULT_NAME,
    }
    checks = await store.checks_of_partnership(session=session, partnership_id=partnership.id)
    exported = []
    for check in checks:
        if not request.covers(check.created_at):
            continue
        questions = {item.question.id: item.question for item in check.questions}
        answers = await store.answers_of_check(session=session, check_id=check.id)
        exported.append(
            {
                "id": check.id,
                "template": check.template_id,
                "template_name": check.template_name,
                "mode": check.mode,
                "status": check.status,
                "ours_only": check.ours_only,  # asked of our side only (the self-check)
                "anonymous": check.anonymous,
                "lead": check.lead_user_id,
                "started_at": _iso(check.created_at),
                "deadline_at": _iso(check.deadline_at),
                "closed_at": _iso(check.closed_at),
                "closed_by": check.closed_by,
                "client_side": [p.user_id for p in check.participants if p.side == "client"],
                "questions": [
                    {
                        "position": item.position,
                        "question_id": item.question.question_id,
                        "version": item.question.version,
                        "dimension": item.question.dimension,
                        "kind": item.question.kind,
                        "text": item.question.text,
                    }
                    for item in check.questions
                ],
                "answers": [
                    _answer_json(questions[a.question_version_id], a, organisation)
                    for a in answers
                    if a.question_version_id in questions
                ],
                "summary": check.summary,
            }
        )
    steps = await partnership_store.next_steps_of(session=session, partnership_id=partnership.id)
    signals = await meeting_store.signals_of(session=session, partnership_id=partnership.id)
    return {
        "partnership": {
            "name": partnership.name,
            "channel_id": partnership.channel_id,
            "team_id": partnership.team_id,
            "created_at": _iso(partnership.created_at),
            "our_org_name": organisation[OUR_SIDE],
            "client_org_name": organisation[CLIENT_SIDE],
        },
        "checks": exported,
        "next_steps": [
            {
                "text": step.text,
                "owner": step.owner_user_id,
                "due": step.due_date.isoformat() if step.due_date else None,
                "status": step.status,
                "agreed_at": _iso(step.created_at),
                "done_at": _iso(step.done_at),
            }
            for step in steps
            if request.covers(step.created_at)
        ],
        "warning_signs": [
            {
                "kind": signal.kind,
                "occurred_at": _iso(signal.occurred_at),
                **{k: v for k, v in (signal.detail or {}).items() if k != "by"},
            }
            for signal in signals
            # a meeting we cancelled, or both agreed to drop, is no warning sign of the client's
            if signal.kind in WARNING_SIGNALS and request.covers(signal.occurred_at)
        ],
    }


def _answer_json(question: Any, answer: Any, organisation: Mapping[str, str]) -> dict[str, Any]:
    return {
        "question_id": question.question_id,
        "question_version": question.version,
        "question_text": question.text,
        "dimension": question.dimension,
        "user_id": answer.user_id,
        "side": answer.side,
        "organisation": organisation[answer.side],
        "value": answer.value,
        "label": option_label(question.options, answer.value) if answer.value is not None else None,
        "comment": answer.comment,
        "answered_at": _iso(answer.created_at),
        "changed_at": _iso(answer.updated_at),
    }


def _people_in(partnerships: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for partnership in partnerships:
        for check in partnership["checks"]:
            found.add(check["lead"])
            found.update(check["client_side"])
            found.update(answer["user_id"] for answer in check["answers"])
        found.update(step["owner"] for step in partnership["next_steps"] if step["owner"])
    return found


def _add_names(partnership: dict[str, Any], names: Mapping[str, Named]) -> None:
    """Each person's name and organisation (their Slack workspace) beside their id; the
    partnership's organisations: ours (the workspace it lives in) and the client's."""

    def name(user_id: str | None) -> str | None:
        return names[user_id].name if user_id in names else None

    def workspace(user_id: str) -> str | None:
        return names[user_id].team_id if user_id in names else None

    ours = partnership["partnership"]["team_id"]
    client: set[str] = set()
    for check in partnership["checks"]:
        check["lead_name"] = name(check["lead"])
        check["client_side"] = [
            {"user_id": uid, "name": name(uid), "workspace": workspace(uid)}
            for uid in check["client_side"]
        ]
        for answer in check["answers"]:
            answer["name"] = name(answer["user_id"])
            answer["workspace"] = workspace(answer["user_id"])
            if answer["side"] == "client" and answer["workspace"]:
                client.add(answer["workspace"])
        client.update(p["workspace"] for p in check["client_side"] if p["workspace"])
    for step in partnership["next_steps"]:
        step["owner_name"] = name(step["owner"])
    partnership["organisations"] = {
        "ours": ours,
        # the client's Slack workspaces (Slack Connect); the client side may be our guests
        "client": sorted(client - {ours}),
    }


# ---------------------------------------------------------------- rendering


def render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "csv":
        return render_csv(data)
    if fmt == "markdown":
        [partnership] = data["partnerships"]
        return render_markdown(partnership, exported_at=data["exported_at"])
    return render_json(data)


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_csv(data: dict[str, Any]) -> str:
    """One row per answer. Takes an export (`partnerships`) or one partnership."""
    partnerships = data.get("partnerships", [data])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for partnership in partnerships:
        for check in partnership["checks"]:
            for answer in check["answers"]:
                writer.writerow(
                    {
                        "partnership": partnership["partnership"]["name"],
                        "channel_id": partnership["partnership"]["channel_id"],
                        "team_id": partnership["partnership"]["team_id"],
                        "check_id": check["id"],
                        "template": check["template"],
                        "check_status": check["status"],
                        "check_started_at": check["started_at"],
                        "name": answer.get("name"),
                        "workspace": answer.get("workspace"),
                        **{
                            key: answer[key]
                            for key in CSV_COLUMNS
                            if key in answer and key not in ("name", "workspace")
                        },
                    }
                )
    return out.getvalue()


def render_markdown(partnership: dict[str, Any], *, exported_at: str) -> str:
    """A report of one partnership a consultant can paste into a client report: where both
    sides stood at each check, the next steps, and the warning signs. Written to be shared,
    so each side is named by its organisation, and our side's own checks (the self-check)
    are left out."""
    about = partnership["partnership"]
    organisations = partnership.get("organisations") or {}
    names = {
        OUR_SIDE: about.get("our_org_name") or OUR_DEFAULT_NAME,
        CLIENT_SIDE: about.get("client_org_name") or CLIENT_DEFAULT_NAME,
    }
    lines = [
        f"# Partnership report: {_md(about['name'])}",
        "",
        f"- Between: {_md(names[OUR_SIDE])} and {_md(names[CLIENT_SIDE])}",
        f"- Channel: {about['channel_id']}",
        f"- Our Slack workspace: {organisations.get('ours', about['team_id'])}",
        f"- Client's Slack workspaces: "
        f"{', '.join(organisations.get('client') or []) or 'none seen'}",
        f"- Partnership since: {about['created_at'][:10]}",
        f"- Report made: {exported_at[:10]}",
        "",
        "## Summaries over time",
        "",
    ]
    # our side's own checks (the self-check) stay out of a report made to be shared; the
    # JSON and CSV exports hold them
    shared = [c for c in partnership["checks"] if c.get("summary") and not _ours_only(c)]
    if not shared:
        lines += ["No check has been summarised yet.", ""]
    for check in shared:
        lines += _summary_lines(check, names)
    lines += ["## Next steps", ""]
    steps = partnership["next_steps"]
    if not steps:
        lines += ["No next steps were agreed.", ""]
    for step in steps:
        box = "x" if step["status"] == "done" else " "
        owner = step.get("owner_name") or step["owner"] or "no owner"
        due = f", due {step['due']}" if step["due"] else ""
        lines.append(f"- [{box}] {_md(step['text'])} ({_md(owner)}{due})")
    lines += ["", "## Warning signs", ""]
    signs = [s for s in partnership["warning_signs"] if s["kind"] in WARNING_SIGNALS]
    if not signs:
        lines += [f"None recorded: {_md(names[CLIENT_SIDE])} moved or cancelled no meeting.", ""]
    for sign in signs:
        lines.append(f"- {sign['occurred_at'][:10]}: {_sign_text(sign, names[CLIENT_SIDE])}")
    return "\n".join(lines).rstrip() + "\n"


def _ours_only(check: Mapping[str, Any]) -> bool:
    """A check asked of our side only (the check's flag, else its summary's)."""
    if "ours_only" in check:
        return bool(check["ours_only"])
    return bool((check.get("summary") or {}).get("ours_only"))


def _summary_lines(check: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    summary = check["summary"]
    day = (check["closed_at"] or check["started_at"])[:10]
    respondents = summary.get("respondents") or {}
    ours, client = _md(names[OUR_SIDE]), _md(names[CLIENT_SIDE])
    needs = int(summary.get("needs", 0))
    lines = [
        f"### {day} · {_md(check['template_name'])}",
        "",
        (f"{summary.get('ticked', 0)} of {count_phrase(needs, 'need')} ticked; " if needs else "")
        + f"{respondents.get(OUR_SIDE, 0)} answered at {ours}, "
        f"{respondents.get(CLIENT_SIDE, 0)} at {client}."
        + (" First time measured." if summary.get("first_time") else ""),
        "",
        f"| | ticked | {ours} | {client} |",
        "|---|---|---|---|",
    ]
    for dimension in summary.get("dimensions") or []:
        ticked = {True: "yes", False: "no"}.get(dimension.get("ticked"), "not a need")
        if dimension.get("need") and dimension.get("ticked") is None:
            ticked = "withheld"
        lines.append(
            f"| {_md(dimension['label'])} | {ticked} | "
            f"{_mean(dimension[OUR_SIDE], dimension.get('ours_trend'))} | "
            f"{_mean(dimension[CLIENT_SIDE], dimension.get('client_trend'))} |"
        )
    lines.append("")
    breakers = summary.get("deal_breakers") or []
    if breakers:
        lines.append("Deal breakers raised:")
        lines += [f"- {_md(d['question'])} ({d['count']})" for d in breakers]
        lines.append("")
    return lines


def _mean(figure: Mapping[str, Any], trend: Mapping[str, Any] | None = None) -> str:
    """ "4.3 (2) ↗ (was 3.7)": a side's average, how many answered, and its own move."""
    if figure.get("withheld"):
        return "withheld"
    if figure.get("mean") is None:
        return "–"
    shown = f"{one_decimal(figure['mean'])} ({figure.get('answered', 0)})"
    arrow = TREND_ARROWS.get((trend or {}).get("trend", ""))
    if arrow:
        was = (trend or {}).get("was")
        shown += f" {arrow}" + (f" (was {one_decimal(was)})" if was is not None else "")
    return shown


def _sign_text(sign: Mapping[str, Any], client: str) -> str:
    title = _md(str(sign.get("title") or "a meeting"))
    who = _md(client)
    if sign["kind"] == "meeting_moved":
        if sign.get("from") and sign.get("to"):
            moved_from, moved_to = str(sign["from"])[:16], str(sign["to"])[:16]
            return f"{who} moved “{title}” from {moved_from} to {moved_to}"
        starts = f" of {str(sign['starts_at'])[:10]}" if sign.get("starts_at") else ""
        return f"{who} moved “{title}”{starts}"
    starts = f" of {str(sign['starts_at'])[:10]}" if sign.get("starts_at") else ""
    return f"{who} cancelled “{title}”{starts}"


def _md(text: str) -> str:
    """Person-written text kept inert in Markdown (no tables broken, no links)."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace("\n", " ")
    )


def _filename(request: ExportRequest, now: datetime) -> str:
    which = request.channel_id or request.team_id or "all"
    extension = {"json": "json", "csv": "csv", "markdown": "md"}[request.fmt]
    return f"partnercheck-{which}-{now.date().isoformat()}.{extension}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
