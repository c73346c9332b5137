"""The question bank: load and validate the YAML files in questions/data.

The schema is described in questions/README.md. `validate_bank` reports every
problem it finds and never raises for bad content; `load_bank` raises
`BankError` unless the bank is clean.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

ANSWER_KINDS: tuple[str, ...] = ("scale", "tick", "choice", "text")
SIDES: tuple[str, ...] = ("ours", "client")
DIMENSIONS: dict[str, str] = {
    # partnership check: the five needs, plus value and predictability
    "goals_values": "Shared goals & values",
    "vision": "Vision & alignment",
    "getting_along": "Getting along",
    "trust": "Trust",
    "practical_actions": "Practical actions",
    "value_predictability": "Value & predictability",
    # ground rules (the sixth need)
    "ground_rules": "Ground rules",
    # reflection after a meeting
    "client_context": "Their context & concerns",
    "responsiveness": "Responsiveness",
    "value_added": "Value to the client",
    "improvement": "Next time",
    "shared_learning": "Learning shared back",
    # consultant self-check
    "work_mix": "Mix of work",
    "role": "Role the consultants play",
    "access_credibility": "Access, credibility & trust",
    "client_type": "Sustained or project client",
    # reflection and self-check
    "signals": "Warning signals",
}
# The needs a summary ticks: the five of a lasting partnership, and ground rules (the sixth,
# asked only in its own template). Value & predictability and the rest are reported, not ticked.
NEEDS: tuple[str, ...] = (
    "goals_values",
    "vision",
    "getting_along",
    "trust",
    "practical_actions",
    "ground_rules",
)
DEFAULT_BANK_PATH: Path = Path(__file__).resolve().parent / "data"

# Limits keep every string inside Slack Block Kit limits (button/option text 75).
ID_LIMIT = 60
TEXT_LIMIT = 300
HELP_LIMIT = 300
LABEL_LIMIT = 75
NAME_LIMIT = 75
DESCRIPTION_LIMIT = 300
VALUE_LIMIT = 40
SCALE_VALUES = ("1", "2", "3", "4", "5")
DEFAULT_TICK_OPTIONS = (("yes", "Yes"), ("no", "Not yet"))

_ID_RE = re.compile(r"[a-z0-9_.]+")
_VALUE_RE = re.compile(r"[a-z0-9_]+")
_FILE_KEYS = {"scales", "questions", "templates"}
_QUESTION_KEYS = {
    "id",
    "version",
    "dimension",
    "kind",
    "text",
    "help",
    "sides",
    "scale",
    "options",
    "allow_comment",
}
_OPTION_KEYS = {"value", "label", "deal_breaker", "warning"}
_TEMPLATE_KEYS = {"id", "name", "description", "sides", "questions", "headline"}
_HEADLINE_KEYS = {"question", "dimension", "label"}
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    deal_breaker: bool = False
    warning: bool = False  # the summary calls it out on its own line; not part of the wording

    @property
    def short(self) -> str:
        return short_label(self.label)


def short_label(label: str) -> str:
    """An option's label up to its first colon: "Expert: they stepped back…" → "Expert"."""
    return label.split(":", 1)[0].strip()


@dataclass(frozen=True)
class Question:
    id: str
    version: int
    dimension: str
    kind: str
    text: str
    help: str
    sides: tuple[str, ...]
    templates: tuple[str, ...]
    options: tuple[Option, ...]
    allow_comment: bool = True

    def fingerprint(self) -> str:
        """sha256 of the wording; identical wording gives an identical fingerprint."""
        canonical = {
            "text": self.text,
            "help": self.help,
            "kind": self.kind,
            "dimension": self.dimension,
            "sides": list(self.sides),
            "options": [[o.value, o.label, o.deal_breaker] for o in self.options],
        }
        blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def scored(self) -> bool:
        return self.kind in ("scale", "tick")


@dataclass(frozen=True)
class HeadlineItem:
    """One line of a template's summary headline: a question's picks or a dimension's figures."""

    label: str
    question: str | None = None
    dimension: str | None = None


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str
    question_ids: tuple[str, ...]
    sides: tuple[str, ...]
    headline: tuple[HeadlineItem, ...] = ()


@dataclass(frozen=True)
class Bank:
    questions: dict[str, Question]
    templates: dict[str, Template]

    def _template(self, template_id: str) -> Template:
        try:
            return self.templates[template_id]
        except KeyError:
            known = ", ".join(self.templates)
            raise KeyError(f"unknown template {template_id!r}; known: {known}") from None

    def template_questions(self, template_id: str) -> list[Question]:
        return [self.questions[qid] for qid in self._template(template_id).question_ids]

    def dimensions_of(self, template_id: str) -> list[str]:
        return list(dict.fromkeys(q.dimension for q in self.template_questions(template_id)))


@dataclass(frozen=True)
class Problem:
    file: str
    question_id: str | None
    reason: str

    def __str__(self) -> str:
        parts = [self.file, self.question_id, self.reason]
        return ": ".join(p for p in parts if p)


class BankError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


Report = Callable[[str], None]


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(_PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_value(raw: Any) -> Any:
    """YAML reads bare yes/no as booleans and 1..5 as ints; store them as strings."""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return str(raw) if _is_int(raw) else raw


def _check_id(raw: Any, what: str, bad: Report) -> None:
    if raw is None or raw == "":
        bad(f"{what} has no id")
    elif not isinstance(raw, str) or len(raw) > ID_LIMIT or not _ID_RE.fullmatch(raw):
        bad(f"id {raw!r} must be 1-{ID_LIMIT} characters of a-z, 0-9, '_' and '.'")


def _string(entry: dict, key: str, limit: int, required: bool, bad: Report) -> str:
    raw = entry.get(key)
    if raw is None and not required:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        bad(f"{key} is missing or empty" if required else f"{key} must be text")
        return ""
    text = raw.strip()
    if len(text) > limit:
        bad(f"{key} is {len(text)} characters; Slack allows {limit} here")
    return text


def _sides(raw: Any, bad: Report) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        bad(f"sides must be a non-empty list drawn from {', '.join(SIDES)}")
        return ()
    for side in raw:
        if side not in SIDES:
            bad(f"unknown side {side!r}; use {', '.join(SIDES)}")
    if len(set(map(str, raw))) != len(raw):
        bad("sides lists a side twice")
    return tuple(str(s) for s in raw)


def _unknown_keys(entry: dict, allowed: set[str], bad: Report, where: str = "") -> None:
    for key in sorted(map(str, set(entry) - allowed)):
        bad(f"unknown key {key!r}{where}; allowed: {', '.join(sorted(allowed))}")


def _parse_scales(raw: Any, scales: dict[str, tuple[str, ...]], bad: Report) -> None:
    if not isinstance(raw, dict):
        bad("scales must be a mapping of name -> list of 5 labels")
        return
    for name, labels in raw.items():
        if not isinstance(name, str) or not _VALUE_RE.fullmatch(name):
            bad(f"scale name {name!r} must use a-z, 0-9 and '_'")
            continue
        if name in scales:
            bad(f"scale {name!r} is defined twice")
            continue
        if not isinstance(labels, list) or len(labels) != 5:
            bad(f"scale {name!r} needs exactly 5 labels (lowest first)")
            continue
        if not all(isinstance(label, str) and label.strip() for label in labels):
            bad(f"scale {name!r}: every label must be non-empty text")
            continue
        for label in labels:
            if len(label.strip()) > LABEL_LIMIT:
                bad(f"scale {name!r}: label is {len(label)} characters; Slack allows 75 here")
        scales[name] = tuple(label.strip() for label in labels)


def _parse_options(
    entry: dict, kind: Any, scales: dict[str, tuple[str, ...]], bad: Report
) -> tuple[Option, ...]:
    raw = entry.get("options")
    if "scale" in entry and kind != "scale":
        bad("'scale' is only allowed on kind: scale")
    if kind == "text":
        if raw is not None:
            bad("text questions take no options")
        return ()
    if kind == "scale" and "scale" in entry:
        if raw is not None:
            bad("give either 'scale' or 'options', not both")
        name = entry["scale"]
        if not isinstance(name, str) or name not in scales:
            bad(f"unknown scale {name!r}; known: {', '.join(sorted(scales))}")
            return ()
        return tuple(Option(v, label) for v, label in zip(SCALE_VALUES, scales[name], strict=True))
    if raw is None and kind == "tick":
        return tuple(Option(v, label) for v, label in DEFAULT_TICK_OPTIONS)
    if not isinstance(raw, list):
        bad("options must be a list of {value, label} mappings")
        return ()
    options: list[Option] = []
    for item in raw:
        if not isinstance(item, dict):
            bad("each option must be a mapping with value and label")
            continue
        _unknown_keys(item, _OPTION_KEYS, bad, " in option")
        value = _as_value(item.get("value"))
        if not isinstance(value, str) or not _VALUE_RE.fullmatch(value) or len(value) > VALUE_LIMIT:
            bad(f"option value {value!r} must be 1-{VALUE_LIMIT} characters of a-z, 0-9, '_'")
            continue
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            bad(f"option {value!r} has no label")
            continue
        if len(label.strip()) > LABEL_LIMIT:
            bad(f"option {value!r} label is {len(label.strip())} characters; Slack allows 75 here")
        deal_breaker = item.get("deal_breaker", False)
        if not isinstance(deal_breaker, bool):
            bad(f"option {value!r}: deal_breaker must be true or false")
        warning = item.get("warning", False)
        if not isinstance(warning, bool):
            bad(f"option {value!r}: warning must be true or false")
        options.append(Option(value, label.strip(), deal_breaker is True, warning is True))
    values = [o.value for o in options]
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        bad(f"duplicate option values: {', '.join(duplicates)}")
    if kind == "scale" and tuple(values) != SCALE_VALUES:
        bad(f"a scale needs exactly 5 options with values 1..5 in order, got {values}")
    elif kind == "tick" and sorted(values) != ["no", "yes"]:
        bad(f"a tick needs exactly two options with values yes and no, got {values}")
    elif kind == "choice" and not 2 <= len(options) <= 10:
        bad(f"a choice needs 2 to 10 options, got {len(options)}")
    return tuple(options)


def _parse_question(
    file: str, entry: Any, scales: dict[str, tuple[str, ...]], problems: list[Problem]
) -> Question | None:
    if not isinstance(entry, dict):
        problems.append(Problem(file, None, "each question must be a mapping"))
        return None
    qid = entry.get("id")
    shown = qid if isinstance(qid, str) and qid else None
    before = len(problems)

    def bad(reason: str) -> None:
        problems.append(Problem(file, shown, reason))

    _check_id(qid, "question", bad)
    _unknown_keys(entry, _QUESTION_KEYS, bad)
    version = entry.get("version")
    if not _is_int(version) or version < 1:
        bad(f"version must be a whole number >= 1, got {version!r}")
    dimension = entry.get("dimension")
    if not isinstance(dimension, str) or dimension not in DIMENSIONS:
        bad(f"unknown dimension {dimension!r}; known: {', '.join(DIMENSIONS)}")
    kind = entry.get("kind")
    if kind not in ANSWER_KINDS:
        bad(f"unknown kind {kind!r}; use one of {', '.join(ANSWER_KINDS)}")
    text = _string(entry, "text", TEXT_LIMIT, True, bad)
    help_text = _string(entry, "help", HELP_LIMIT, False, bad)
    sides = _sides(entry.get("sides"), bad)
    allow_comment = entry.get("allow_comment", True)
    if not isinstance(allow_comment, bool):
        bad("allow_comment must be true or false")
    options = _parse_options(entry, kind, scales, bad)
    if len(problems) > before:
        return None
    return Question(
        qid, version, dimension, kind, text, help_text, sides, (), options, allow_comment
    )


def _parse_template(file: str, entry: Any, problems: list[Problem]) -> Template | None:
    if not isinstance(entry, dict):
        problems.append(Problem(file, None, "each template must be a mapping"))
        return None
    tid = entry.get("id")
    prefix = f"template {tid!r}: " if isinstance(tid, str) and tid else "template: "
    before = len(problems)

    def bad(reason: str) -> None:
        problems.append(Problem(file, None, prefix + reason))

    _check_id(tid, "template", bad)
    _unknown_keys(entry, _TEMPLATE_KEYS, bad)
    name = _string(entry, "name", NAME_LIMIT, True, bad)
    description = _string(entry, "description", DESCRIPTION_LIMIT, False, bad)
    sides = _sides(entry.get("sides"), bad)
    ids = entry.get("questions")
    if not isinstance(ids, list) or not ids:
        bad("has no questions")
        ids = []
    elif not all(isinstance(i, str) for i in ids):
        bad("questions must be a list of question ids")
        ids = []
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        bad(f"lists question {dup!r} twice")
    headline = _parse_headline(entry.get("headline"), ids, bad)
    if len(problems) > before:
        return None
    return Template(tid, name, description, tuple(ids), sides, headline)


def _parse_headline(raw: Any, question_ids: list[str], bad: Report) -> tuple[HeadlineItem, ...]:
    """`headline`: a list of {question: <id in this template> | dimension: <key>, label}."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        bad("headline must be a list of {question or dimension, label}")
        return ()
    items = []
    for item in raw:
        if not isinstance(item, dict):
            bad("each headline item must be a mapping")
            continue
        _unknown_keys(item, _HEADLINE_KEYS, bad, " in headline")
        label = _string(item, "label", LABEL_LIMIT, True, bad)
        question, dimension = item.get("question"), item.get("dimension")
        if (question is None) == (dimension is None):
            bad(f"headline item {label!r} names either a question or a dimension")
        elif question is not None and question not in question_ids:
            bad(f"headline item {label!r}: question {question!r} is not in the template")
        elif dimension is not None and dimension not in DIMENSIONS:
            bad(f"headline item {label!r}: unknown dimension {dimension!r}")
        else:
            items.append(HeadlineItem(label, question, dimension))
    return tuple(items)


def _read_files(root: Path, problems: list[Problem]) -> list[tuple[str, dict]]:
    if not root.is_dir():
        problems.append(Problem(_display(root), None, "bank directory not found"))
        return []
    files = sorted(root.glob("*.yaml"))
    if not files:
        problems.append(Problem(_display(root), None, "no *.yaml files in the bank directory"))
    docs: list[tuple[str, dict]] = []
    for path in files:
        file = _display(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            detail = getattr(exc, "problem", None) or str(exc)
            problems.append(Problem(file, None, f"YAML syntax error{where}: {detail}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(file, None, f"cannot read file: {exc}"))
            continue
        if not isinstance(data, dict):
            problems.append(
                Problem(file, None, "top level must be a mapping with scales/questions/templates")
            )
            continue
        _unknown_keys(data, _FILE_KEYS, lambda r, f=file: problems.append(Problem(f, None, r)))
        docs.append((file, data))
    return docs


def _entries(file: str, data: dict, key: str, problems: list[Problem]) -> list[Any]:
    entries = data.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list):
        problems.append(Problem(file, None, f"{key} must be a list"))
        return []
    return entries


def _collect(path: Path | str) -> tuple[Bank, list[Problem]]:
    problems: list[Problem] = []
    docs = _read_files(Path(path), problems)

    scales: dict[str, tuple[str, ...]] = {}
    for file, data in docs:
        if "scales" in data:
            _parse_scales(
                data["scales"], scales, lambda r, f=file: problems.append(Problem(f, None, r))
            )

    questions: dict[str, Question] = {}
    question_file: dict[str, str] = {}
    seen_ids: set[str] = set()  # includes ids of questions that failed to parse
    templates: dict[str, Template] = {}
    template_file: dict[str, str] = {}
    for file, data in docs:
        for entry in _entries(file, data, "questions", problems):
            qid = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(qid, str) and qid in seen_ids:
                other = question_file.get(qid, "this bank")
                problems.append(Problem(file, qid, f"duplicate id (also defined in {other})"))
                continue
            if isinstance(qid, str):
                seen_ids.add(qid)
                question_file[qid] = file
            question = _parse_question(file, entry, scales, problems)
            if question is not None:
                questions[question.id] = question
        for entry in _entries(file, data, "templates", problems):
            template = _parse_template(file, entry, problems)
            if template is None:
                continue
            if template.id in templates:
                other = template_file[template.id]
                problems.append(
                    Problem(file, None, f"template {template.id!r}: duplicate id (also in {other})")
                )
                continue
            templates[template.id] = template
            template_file[template.id] = file

    used: set[str] = set()
    for template in templates.values():
        for qid in template.question_ids:
            used.add(qid)
            question = questions.get(qid)
            if question is None:
                if qid not in seen_ids:
                    reason = f"template {template.id!r} lists an unknown question"
                    problems.append(Problem(template_file[template.id], qid, reason))
            elif not set(question.sides) & set(template.sides):
                reason = (
                    f"template {template.id!r} is for {', '.join(template.sides)} "
                    f"but the question is only for {', '.join(question.sides)}"
                )
                problems.append(Problem(template_file[template.id], qid, reason))
    for qid in questions:
        if qid not in used:
            reason = "question is in no template; add it to a template or delete it"
            problems.append(Problem(question_file[qid], qid, reason))

    linked = {
        qid: replace(q, templates=tuple(t.id for t in templates.values() if qid in t.question_ids))
        for qid, q in questions.items()
    }
    return Bank(linked, templates), problems


def validate_bank(path: Path | str = DEFAULT_BANK_PATH) -> list[Problem]:
    """Every problem in the bank at `path`; an empty list means the bank is clean."""
    return _collect(path)[1]


def load_bank(path: Path | str = DEFAULT_BANK_PATH) -> Bank:
    """Load the bank at `path`; raises BankError listing every problem."""
    bank, problems = _collect(path)
    if problems:
        raise BankError(problems)
    return bank


def format_question_list(bank: Bank, template_id: str | None = None) -> str:
    """A plain-text table of the bank, one heading per template."""
    template_ids = list(bank.templates) if template_id is None else [template_id]
    lines: list[str] = []
    for tid in template_ids:
        questions = bank.template_questions(tid)  # KeyError for an unknown template
        template = bank.templates[tid]
        if lines:
            lines.append("")
        lines.append(
            f"{template.id} — {template.name} "
            f"({len(questions)} questions; sides: {', '.join(template.sides)})"
        )
        rows = [
            (q.id, f"v{q.version}", DIMENSIONS[q.dimension], q.kind, "+".join(q.sides), q.text)
            for q in questions
        ]
        widths = [max((len(row[i]) for row in rows), default=0) for i in range(5)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
            lines.append("  " + "  ".join(cells) + "  " + row[5])
    return "\n".join(lines)
