"""Everything stored about one partnership, as JSON or CSV, for `partnercheck export`."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from bot.db import checks as store
from bot.db.engine import Database, existing
from bot.domain.answers import option_label
from bot.plumbing.config import Settings
from bot.usecases.partnerships import unknown_channel

CSV_COLUMNS = (
    "check_id",
    "template",
    "check_status",
    "question_id",
    "question_version",
    "question_text",
    "dimension",
    "user_id",
    "side",
    "value",
    "label",
    "comment",
    "answered_at",
    "changed_at",
)


async def export_channel(settings: Settings, channel_id: str, fmt: str) -> str:
    async with existing(settings.database_url) as db:
        data = await export_partnership(db, channel_id)
    return render_json(data) if fmt == "json" else render_csv(data)


async def export_partnership(db: Database, channel_id: str) -> dict[str, Any]:
    async with db.unit_of_work() as session:
        partnership = await store.partnership_for_channel(session=session, channel_id=channel_id)
        if partnership is None:
            raise unknown_channel(channel_id)
        checks = await store.checks_of_partnership(session=session, partnership_id=partnership.id)
        exported = []
        for check in checks:
            questions = {item.question.id: item for item in check.questions}
            answers = await store.answers_of_check(session=session, check_id=check.id)
            exported.append(
                {
                    "id": check.id,
                    "template": check.template_id,
                    "template_name": check.template_name,
                    "mode": check.mode,
                    "status": check.status,
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
                        {
                            "question_id": questions[a.question_version_id].question.question_id,
                            "question_version": questions[a.question_version_id].question.version,
                            "question_text": questions[a.question_version_id].question.text,
                            "dimension": questions[a.question_version_id].question.dimension,
                            "user_id": a.user_id,
                            "side": a.side,
                            "value": a.value,
                            "label": option_label(
                                questions[a.question_version_id].question.options, a.value
                            )
                            if a.value is not None
                            else None,
                            "comment": a.comment,
                            "answered_at": _iso(a.created_at),
                            "changed_at": _iso(a.updated_at),
                        }
                        for a in answers
                        if a.question_version_id in questions
                    ],
                    "summary": check.summary,
                }
            )
    return {
        "partnership": {
            "name": partnership.name,
            "channel_id": partnership.channel_id,
            "team_id": partnership.team_id,
            "created_at": _iso(partnership.created_at),
        },
        "checks": exported,
    }


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for check in data["checks"]:
        for answer in check["answers"]:
            writer.writerow(
                {
                    "check_id": check["id"],
                    "template": check["template"],
                    "check_status": check["status"],
                    "question_id": answer["question_id"],
                    "question_version": answer["question_version"],
                    "question_text": answer["question_text"],
                    "dimension": answer["dimension"],
                    "user_id": answer["user_id"],
                    "side": answer["side"],
                    "value": answer["value"],
                    "label": answer["label"],
                    "comment": answer["comment"],
                    "answered_at": answer["answered_at"],
                    "changed_at": answer["changed_at"],
                }
            )
    return out.getvalue()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
