"""A practice's own templates and questions (PARTNERCHECK_QUESTIONS_DIR), merged with the
built-in bank: loading, clashes, `questions validate`, and versions that keep history."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.questions import BankDrift
from bot.usecases.export import export_partnership
from questions.bank import BankError, load_bank, validate_bank
from tests.cli.test_cli import run
from tests.e2e.checkflow import CHANNEL, answer_button, press, start_check
from tests.support.fake_slack import FakeSlack
from tests.support.harness import make_harness

OURS = """\
templates:
  - id: practice_pulse
    name: Practice pulse
    description: Our own short check.
    sides: [ours, client]
    questions: [acme.pulse.trust, pc.trust.level]
questions:
  - id: acme.pulse.trust
    version: 1
    dimension: trust
    kind: scale
    scale: agreement
    sides: [ours, client]
    text: We tell each other bad news early.
"""


def custom(tmp_path: Path, text: str = OURS) -> Path:
    folder = tmp_path / "ours"
    folder.mkdir(exist_ok=True)
    (folder / "pulse.yaml").write_text(text)
    return folder


def test_custom_templates_and_questions_join_the_built_in_ones(tmp_path: Path) -> None:
    bank = load_bank(custom=custom(tmp_path))
    assert "partnership_check" in bank.templates
    template = bank.templates["practice_pulse"]
    assert template.custom and not bank.templates["partnership_check"].custom
    assert [q.id for q in bank.template_questions("practice_pulse")] == [
        "acme.pulse.trust",
        "pc.trust.level",
    ]
    ours = bank.questions["acme.pulse.trust"]
    assert ours.custom and ours.file.endswith("pulse.yaml")
    assert ours.options[4].label == "Strongly agree"  # a built-in scale, by name
    assert not bank.questions["pc.trust.level"].custom
    assert bank.questions["pc.trust.level"].templates == ("partnership_check", "practice_pulse")


def test_an_id_defined_twice_names_both_files(tmp_path: Path) -> None:
    clash = OURS.replace("id: acme.pulse.trust", "id: pc.trust.level").replace(
        "[acme.pulse.trust, pc.trust.level]", "[pc.trust.level]"
    )
    with pytest.raises(BankError) as raised:
        load_bank(custom=custom(tmp_path, clash))
    [problem] = raised.value.problems
    assert problem.question_id == "pc.trust.level"
    assert problem.file.endswith("ours/pulse.yaml")
    assert "duplicate id (also defined in questions/data/" in problem.reason

    same_template = OURS.replace("id: practice_pulse", "id: partnership_check")
    reasons = [str(p) for p in validate_bank(custom=custom(tmp_path, same_template))]
    assert any(
        "pulse.yaml" in r and "'partnership_check': duplicate id (also in questions/data/" in r
        for r in reasons
    ), reasons


def test_problems_in_custom_files_name_file_question_and_reason(tmp_path: Path) -> None:
    broken = OURS.replace("kind: scale", "kind: slider").replace("text: We", "txet: We")
    reasons = [str(p) for p in validate_bank(custom=custom(tmp_path, broken))]
    assert any("pulse.yaml: acme.pulse.trust: unknown kind 'slider'" in r for r in reasons), reasons
    assert any("pulse.yaml: acme.pulse.trust: unknown key 'txet'" in r for r in reasons), reasons


def test_validate_checks_what_serve_loads(tmp_path: Path) -> None:
    folder = custom(tmp_path)
    ok = run("questions", "validate", cwd=tmp_path, env={"PARTNERCHECK_QUESTIONS_DIR": str(folder)})
    assert ok.returncode == 0, ok.stderr
    (folder / "more.yaml").write_text(OURS.replace("practice_pulse", "second_pulse"))
    clash = run(
        "questions", "validate", cwd=tmp_path, env={"PARTNERCHECK_QUESTIONS_DIR": str(folder)}
    )
    assert clash.returncode == 1
    assert "pulse.yaml: acme.pulse.trust: duplicate id (also defined in" in clash.stderr
    assert "more.yaml)" in clash.stderr and "Traceback" not in clash.stderr
    by_path = run("questions", "validate", str(folder), cwd=tmp_path)
    assert by_path.returncode == 1 and "duplicate id" in by_path.stderr
    missing = run(
        "questions", "validate", cwd=tmp_path, env={"PARTNERCHECK_QUESTIONS_DIR": "nowhere"}
    )
    assert missing.returncode == 2 and "PARTNERCHECK_QUESTIONS_DIR" in missing.stderr


async def test_custom_questions_keep_the_wording_answers_were_given_to(
    database, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url, schema = database
    folder = custom(tmp_path)
    env = {"PARTNERCHECK_QUESTIONS_DIR": str(folder)}
    h = await make_harness(url, fake_slack, schema=schema, **env)
    try:
        await start_check(h, template="practice_pulse")
        await press(h, answer_button(h, "4"))
    finally:
        await h.stop()

    reworded = OURS.replace("bad news early", "bad news the same day")
    (folder / "pulse.yaml").write_text(reworded)
    with pytest.raises(BankDrift, match=r"acme.pulse.trust version 1 .*/ours/pulse.yaml"):
        await make_harness(url, fake_slack, schema=schema, **env)

    (folder / "pulse.yaml").write_text(reworded.replace("version: 1", "version: 2"))
    h = await make_harness(url, fake_slack, schema=schema, **env)
    try:
        data = await export_partnership(h.db(), CHANNEL)
    finally:
        await h.stop()
    [answer] = data["checks"][0]["answers"]
    assert (answer["question_version"], answer["question_text"]) == (
        1,
        "We tell each other bad news early.",
    )
