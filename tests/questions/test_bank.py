"""Tests for the question bank: the real data, every validation rule, and output."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from questions.bank import (
    ANSWER_KINDS,
    DEFAULT_BANK_PATH,
    DIMENSIONS,
    NEEDS,
    SIDES,
    Bank,
    BankError,
    Problem,
    Question,
    format_question_list,
    load_bank,
    validate_bank,
)

FINGERPRINTS = Path(__file__).with_name("fingerprints.json")

TEMPLATE = """\
templates:
  - id: demo
    name: Demo
    sides: [ours, client]
    questions: [q.one]
"""

QUESTION = """\
questions:
  - id: q.one
    version: 1
    dimension: trust
    kind: scale
    scale: agreement
    sides: [ours, client]
    text: Do we trust each other?
    help: Short help.
"""

SCALES = """\
scales:
  agreement: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]
"""


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank()


def write_bank(tmp_path: Path, questions: str = QUESTION, templates: str = TEMPLATE) -> Path:
    (tmp_path / "scales.yaml").write_text(SCALES)
    (tmp_path / "templates.yaml").write_text(templates)
    (tmp_path / "questions.yaml").write_text(questions)
    return tmp_path


def reasons(path: Path) -> list[str]:
    return [str(p) for p in validate_bank(path)]


def assert_problem(path: Path, *fragments: str) -> None:
    found = reasons(path)
    assert any(all(f in r for f in fragments) for r in found), (fragments, found)


# --- the real bank -------------------------------------------------------------


def test_real_bank_is_clean(bank: Bank) -> None:
    assert validate_bank() == []
    assert validate_bank(DEFAULT_BANK_PATH) == []
    assert set(bank.templates) >= {"partnership_check", "ground_rules", "reflection", "self_check"}


def test_partnership_check_covers_the_five_needs_and_more_for_both_sides(bank: Bank) -> None:
    dims = bank.dimensions_of("partnership_check")
    assert dims == [
        "goals_values",
        "vision",
        "getting_along",
        "trust",
        "practical_actions",
        "value_predictability",
        "responsiveness",
        "role",
    ]
    assert [d for d in dims if d in NEEDS] == dims[:5]
    questions = bank.template_questions("partnership_check")
    assert bank.templates["partnership_check"].sides == ("ours", "client")
    assert all(q.sides == ("ours", "client") for q in questions)
    for dim in dims:
        assert 1 <= sum(q.dimension == dim for q in questions) <= 4, dim
    assert sum(q.kind == "text" for q in questions) <= 2
    assert sum(q.scored for q in questions) >= len(questions) - 2


def test_a_shared_goals_answer_can_be_flagged_a_deal_breaker(bank: Bank) -> None:
    flagged = [
        q
        for q in bank.template_questions("partnership_check")
        if q.dimension == "goals_values" and any(o.deal_breaker for o in q.options)
    ]
    assert flagged
    assert any(o.deal_breaker for o in flagged[0].options)
    assert not all(o.deal_breaker for o in flagged[0].options)


def test_our_side_only_templates(bank: Bank) -> None:
    for tid in ("reflection", "self_check"):
        assert bank.templates[tid].sides == ("ours",)
        assert all(q.sides == ("ours",) for q in bank.template_questions(tid))
        assert "signals" in bank.dimensions_of(tid)
    assert bank.dimensions_of("ground_rules") == ["ground_rules"]
    assert bank.templates["ground_rules"].sides == ("ours", "client")


@pytest.mark.parametrize("tid", ["partnership_check", "ground_rules", "reflection", "self_check"])
def test_template_sizes(bank: Bank, tid: str) -> None:
    # the partnership check asks one thing per question, which takes 18 of them
    assert 4 <= len(bank.template_questions(tid)) <= (18 if tid == "partnership_check" else 12)


def test_every_string_within_slack_limits(bank: Bank) -> None:
    for q in bank.questions.values():
        assert q.dimension in DIMENSIONS and q.kind in ANSWER_KINDS
        assert set(q.sides) <= set(SIDES) and q.templates
        assert 0 < len(q.text) <= 300 and len(q.help) <= 300 and len(q.id) <= 60
        assert all(0 < len(o.label) <= 75 for o in q.options)
        if q.kind == "scale":
            assert [o.value for o in q.options] == ["1", "2", "3", "4", "5"]
        if q.kind == "tick":
            assert sorted(o.value for o in q.options) == ["no", "yes"]
    for t in bank.templates.values():
        assert 0 < len(t.name) <= 75 and len(t.description) <= 75


def test_question_templates_are_derived(bank: Bank) -> None:
    assert bank.questions["pc.trust.level"].templates == ("partnership_check",)
    assert bank.questions["pc.trust.level"].option("5") is not None
    assert bank.questions["pc.trust.level"].option("6") is None
    with pytest.raises(KeyError):
        bank.template_questions("nope")


def test_wording_changes_bump_the_version(bank: Bank) -> None:
    """Answers are stored against (id, version); editing wording must bump the version.

    A new question or version fails here with the entries to add to fingerprints.json.
    """
    recorded: dict[str, str] = json.loads(FINGERPRINTS.read_text())
    missing = {}
    for q in bank.questions.values():
        key = f"{q.id}@{q.version}"
        if key not in recorded:
            missing[key] = q.fingerprint()
        else:
            assert recorded[key] == q.fingerprint(), f"{q.id} changed: bump its version"
    assert not missing, f"add to {FINGERPRINTS.name}: {json.dumps(missing, indent=2)}"


# --- fingerprint and listing ---------------------------------------------------


def test_fingerprint_is_stable_and_tracks_wording(bank: Bank) -> None:
    q = bank.questions["pc.trust.level"]
    same = Question(q.id, 99, q.dimension, q.kind, q.text, q.help, q.sides, (), q.options, False)
    assert q.fingerprint() == same.fingerprint()
    assert len(q.fingerprint()) == 64
    assert replace(q, text=q.text + "?").fingerprint() != q.fingerprint()
    assert replace(q, help="other").fingerprint() != q.fingerprint()
    relabelled = (replace(q.options[0], label="Not at all"), *q.options[1:])
    assert replace(q, options=relabelled).fingerprint() != q.fingerprint()


def test_format_question_list(bank: Bank) -> None:
    out = format_question_list(bank, "reflection")
    lines = out.splitlines()
    assert lines[0].startswith("reflection — Meeting reflection")
    assert len(lines) == 1 + len(bank.templates["reflection"].question_ids)
    row = next(line for line in lines if "rf.responsiveness" in line)
    for part in ("v1", "Responsiveness", "scale", "ours", "How well did we respond"):
        assert part in row
    everything = format_question_list(bank)
    for tid in bank.templates:
        assert f"\n{tid} — " in "\n" + everything
    assert everything.count("pc.trust.level") == 1
    with pytest.raises(KeyError):
        format_question_list(bank, "nope")


# --- validation rules ----------------------------------------------------------


def test_minimal_bank_loads(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path))
    assert bank.questions["q.one"].options[2].label == "Neutral"
    assert bank.questions["q.one"].templates == ("demo",)


def test_problem_and_error_format() -> None:
    p = Problem("questions/data/x.yaml", "pc.trust.level", "text is 3100 characters")
    assert str(p) == "questions/data/x.yaml: pc.trust.level: text is 3100 characters"
    assert str(Problem("f.yaml", None, "bad")) == "f.yaml: bad"
    err = BankError([p, Problem("f.yaml", None, "bad")])
    assert str(err).splitlines() == [str(p), "f.yaml: bad"]


def test_load_raises_bank_error(tmp_path: Path) -> None:
    path = write_bank(tmp_path, QUESTION.replace("kind: scale", "kind: slider"))
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert info.value.problems and "slider" in str(info.value)


def test_missing_directory_and_empty_directory(tmp_path: Path) -> None:
    assert_problem(tmp_path / "missing", "not found")
    assert_problem(tmp_path, "no *.yaml")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write_bank(tmp_path)
    (path / "broken.yaml").write_text("questions:\n  - id: a\n    text: [unclosed\n")
    found = reasons(path)
    assert any("broken.yaml" in r and "YAML syntax error at line" in r for r in found), found


def test_wrong_types(tmp_path: Path) -> None:
    path = write_bank(tmp_path)
    (path / "list.yaml").write_text("- just a list\n")
    (path / "bad.yaml").write_text("questions: 3\n")
    assert_problem(path, "list.yaml", "top level must be a mapping")
    assert_problem(path, "bad.yaml", "questions must be a list")


def test_garbage_values_are_problems_not_crashes(tmp_path: Path) -> None:
    path = write_bank(tmp_path)
    (path / "junk.yaml").write_text(
        "scales: [1]\n"
        "questions:\n  - null\n"
        "  - {id: 5, version: true, kind: [x], dimension: {a: 1}, sides: ours, text: 5}\n"
        "templates:\n  - {questions: [1], sides: [ours]}\n"
    )
    assert_problem(path, "junk.yaml", "scales must be a mapping")
    assert_problem(path, "junk.yaml", "each question must be a mapping")
    assert_problem(path, "junk.yaml", "id 5 must be")
    assert_problem(path, "junk.yaml", "version must be a whole number >= 1, got True")
    assert_problem(path, "junk.yaml", "unknown dimension {'a': 1}")
    assert_problem(path, "junk.yaml", "template has no id")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    path = write_bank(tmp_path)
    (path / "zzz.yaml").write_text(QUESTION)
    assert_problem(path, "zzz.yaml", "q.one", "duplicate id", "questions.yaml")


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        ("kind: scale", "kind: slider", ("q.one", "unknown kind 'slider'")),
        ("dimension: trust", "dimension: truts", ("q.one", "unknown dimension 'truts'")),
        ("sides: [ours, client]", "sides: [ours, vendor]", ("unknown side 'vendor'",)),
        ("sides: [ours, client]", "sides: []", ("sides must be a non-empty list",)),
        ("text: Do we trust each other?", "text: ''", ("text is missing or empty",)),
        ("    text: Do we trust each other?\n", "", ("text is missing or empty",)),
        ("text: Do we", "txet: x\n    text: Do we", ("unknown key 'txet'",)),
        ("id: q.one", "id: Q One", ("id 'Q One' must be",)),
        ("version: 1", "version: 0", ("version must be a whole number",)),
        ("version: 1", "version: one", ("version must be a whole number",)),
        ("scale: agreement", "scale: nope", ("unknown scale 'nope'",)),
        ("help: Short help.", "help: " + "h" * 301, ("help is 301 characters; Slack allows 300",)),
        (
            "Do we trust each other?",
            "x" * 301,
            ("q.one: text is 301 characters; Slack allows 300",),
        ),
    ],
)
def test_question_rules(tmp_path: Path, old: str, new: str, fragments: tuple[str, ...]) -> None:
    assert old in QUESTION
    assert_problem(write_bank(tmp_path, QUESTION.replace(old, new)), "questions.yaml", *fragments)


def options_question(kind: str, options: str) -> str:
    base = QUESTION.replace("kind: scale", f"kind: {kind}").replace("    scale: agreement\n", "")
    return base + options


@pytest.mark.parametrize(
    ("kind", "options", "fragment"),
    [
        (
            "scale",
            "    options:\n" + "".join(f"      - {{value: {v}, label: L{v}}}\n" for v in "1234"),
            "a scale needs exactly 5 options",
        ),
        (
            "scale",
            "    options:\n" + "".join(f"      - {{value: {v}, label: L{v}}}\n" for v in "012345"),
            "a scale needs exactly 5 options",
        ),
        (
            "tick",
            "    options:\n      - {value: yes, label: 'Yes'}\n      - {value: maybe, label: M}\n",
            "a tick needs exactly two options with values yes and no",
        ),
        ("choice", "    options:\n      - {value: a, label: A}\n", "a choice needs 2 to 10"),
        (
            "choice",
            "    options:\n" + "".join(f"      - {{value: v{i}, label: L}}\n" for i in range(11)),
            "a choice needs 2 to 10 options, got 11",
        ),
        (
            "choice",
            "    options:\n      - {value: a, label: A}\n      - {value: a, label: B}\n",
            "duplicate option values: a",
        ),
        (
            "choice",
            f"    options:\n      - {{value: a, label: {'L' * 76}}}\n"
            "      - {value: b, label: B}\n",
            "option 1 label is 76 characters; Slack allows 75",
        ),
        (
            "choice",
            "    options:\n      - {value: a, lable: A}\n      - {value: b, label: B}\n",
            "unknown key 'lable' in option",
        ),
        ("text", "    options:\n      - {value: a, label: A}\n", "text questions take no options"),
        ("choice", "", "options must be a list"),
    ],
)
def test_option_rules(tmp_path: Path, kind: str, options: str, fragment: str) -> None:
    assert_problem(write_bank(tmp_path, options_question(kind, options)), "q.one", fragment)


def test_tick_and_choice_forms_that_are_fine(tmp_path: Path) -> None:
    tick = options_question("tick", "")
    bank = load_bank(write_bank(tmp_path, tick))
    assert [o.value for o in bank.questions["q.one"].options] == ["yes", "no"]
    choice = options_question(
        "choice",
        "    options:\n      - {value: a, label: A}\n"
        "      - {value: b, label: B, deal_breaker: true}\n",
    )
    bank = load_bank(write_bank(tmp_path, choice))
    assert bank.questions["q.one"].option("b").deal_breaker is True
    assert bank.questions["q.one"].scored is False


def test_template_rules(tmp_path: Path) -> None:
    unknown = TEMPLATE.replace("[q.one]", "[q.one, q.two]")
    assert_problem(write_bank(tmp_path, templates=unknown), "templates.yaml", "q.two", "unknown")

    empty = TEMPLATE.replace("[q.one]", "[]")
    path = write_bank(tmp_path, templates=empty)
    assert_problem(path, "template 'demo': has no questions")
    assert_problem(path, "questions.yaml: q.one: question is in no template")

    bad_id = TEMPLATE.replace("id: demo", "id: Demo Check")
    assert_problem(write_bank(tmp_path, templates=bad_id), "id 'Demo Check' must be")

    no_name = TEMPLATE.replace("    name: Demo\n", "")
    assert_problem(write_bank(tmp_path, templates=no_name), "name is missing or empty")

    long_name = TEMPLATE.replace("name: Demo", "name: " + "N" * 76)
    assert_problem(write_bank(tmp_path, templates=long_name), "name is 76 characters")

    typo = TEMPLATE.replace("name: Demo", "nmae: Demo")
    assert_problem(write_bank(tmp_path, templates=typo), "unknown key 'nmae'")

    twice = TEMPLATE + TEMPLATE.removeprefix("templates:\n")
    assert_problem(write_bank(tmp_path, templates=twice), "template 'demo': duplicate id")

    bad_side = TEMPLATE.replace("[ours, client]", "[theirs]")
    assert_problem(write_bank(tmp_path, templates=bad_side), "unknown side 'theirs'")


def test_template_headlines_and_warning_options(tmp_path: Path) -> None:
    headline = TEMPLATE + "    headline:\n      - {question: q.one, label: Trust today}\n"
    bank = load_bank(write_bank(tmp_path, templates=headline))
    [item] = bank.templates["demo"].headline
    assert (item.question, item.dimension, item.label) == ("q.one", None, "Trust today")

    elsewhere = headline.replace("{question: q.one", "{question: q.two")
    assert_problem(write_bank(tmp_path, templates=elsewhere), "q.two", "not in the template")
    both = headline.replace("{question: q.one", "{question: q.one, dimension: trust")
    assert_problem(write_bank(tmp_path, templates=both), "either a question or a dimension")
    unknown = headline.replace("{question: q.one", "{dimension: nope")
    assert_problem(write_bank(tmp_path, templates=unknown), "unknown dimension 'nope'")

    choice = options_question(
        "choice",
        '    options:\n      - {value: a, label: "Aye: of course"}\n'
        "      - {value: b, label: B, warning: true}\n",
    )
    bank = load_bank(write_bank(tmp_path, choice))
    a, b = bank.questions["q.one"].options
    assert (a.warning, b.warning, a.short) == (False, True, "Aye")
    assert_problem(
        write_bank(tmp_path, choice.replace("warning: true", "warning: maybe")),
        "warning must be true or false",
    )


def test_template_side_must_match_a_question_side(tmp_path: Path) -> None:
    client_only = QUESTION.replace("sides: [ours, client]", "sides: [client]")
    ours_only = TEMPLATE.replace("sides: [ours, client]", "sides: [ours]")
    assert_problem(write_bank(tmp_path, client_only, ours_only), "q.one", "only for client")


def test_our_side_questions_stay_out_of_templates_run_in_the_shared_channel(
    tmp_path: Path,
) -> None:
    ours_only = QUESTION.replace("sides: [ours, client]", "sides: [ours]")
    assert_problem(write_bank(tmp_path, ours_only), "q.one", "for our side only")


def test_scale_set_rules(tmp_path: Path) -> None:
    path = write_bank(tmp_path)
    (path / "scales.yaml").write_text("scales:\n  agreement: [A, B, C]\n")
    assert_problem(path, "scale 'agreement' needs exactly 5 labels")
